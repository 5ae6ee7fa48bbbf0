# Shared by the toolchain files: set PISTREAM_TRIPLET and CMAKE_SYSTEM_PROCESSOR first.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_C_COMPILER ${PISTREAM_TRIPLET}-gcc)
set(CMAKE_CXX_COMPILER ${PISTREAM_TRIPLET}-g++)

if(NOT CMAKE_SYSROOT AND DEFINED ENV{PISTREAM_SYSROOT})
    set(CMAKE_SYSROOT $ENV{PISTREAM_SYSROOT})
endif()

if(CMAKE_SYSROOT)
    # A Pi's root file system: look for everything inside it.
    set(CMAKE_FIND_ROOT_PATH ${CMAKE_SYSROOT})
    set(ENV{PKG_CONFIG_SYSROOT_DIR} ${CMAKE_SYSROOT})
    set(ENV{PKG_CONFIG_LIBDIR}
        "${CMAKE_SYSROOT}/usr/lib/${PISTREAM_TRIPLET}/pkgconfig:${CMAKE_SYSROOT}/usr/share/pkgconfig")
else()
    # Debian multiarch: the target's libraries live beside the host's.
    set(CMAKE_LIBRARY_ARCHITECTURE ${PISTREAM_TRIPLET})
    set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/${PISTREAM_TRIPLET}/pkgconfig:/usr/share/pkgconfig")
endif()
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)

# Tests built for the Pi run here under qemu-user.
# The loader and libc must come from the same place as the libraries: the
# sysroot, or with multiarch the host's / (not /usr/<triplet>, whose cross
# libc is another release than libc6:<arch> and hangs in pthread_create).
find_program(PISTREAM_QEMU qemu-${CMAKE_SYSTEM_PROCESSOR})
if(PISTREAM_QEMU)
    if(CMAKE_SYSROOT)
        set(CMAKE_CROSSCOMPILING_EMULATOR ${PISTREAM_QEMU} -L ${CMAKE_SYSROOT})
    else()
        set(CMAKE_CROSSCOMPILING_EMULATOR ${PISTREAM_QEMU} -L /)
    endif()
endif()
