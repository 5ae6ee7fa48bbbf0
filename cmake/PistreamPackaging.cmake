# Debian packages with CPack: pistream-server (built natively or cross-built
# for arm64/armhf) and pistream-viewer. `cpack` in a build directory writes
# pistream-server_<version>_<arch>.deb and/or pistream-viewer_<version>_<arch>.deb.
include(GNUInstallDirs)
set(PACKAGING_DIR ${PROJECT_SOURCE_DIR}/packaging)

# The changelog of a native package, compressed the way lintian wants it.
execute_process(COMMAND gzip -9nc ${PACKAGING_DIR}/changelog
                OUTPUT_FILE ${PROJECT_BINARY_DIR}/changelog.gz)

# README.md is the front page; the reference it links to is docs/*.md, kept
# beside it so the links work in /usr/share/doc/<package>/ too.
function(pistream_package_docs component package)
    install(FILES ${PACKAGING_DIR}/copyright ${PROJECT_BINARY_DIR}/changelog.gz
                  ${PROJECT_SOURCE_DIR}/README.md
            DESTINATION share/doc/${package} COMPONENT ${component})
    install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION share/doc/${package}/docs
            COMPONENT ${component} FILES_MATCHING PATTERN "*.md")
endfunction()

# A manual page made from the program's --help by help2man (run under the
# cross emulator when cross-compiling), installed with its package.
find_program(HELP2MAN help2man)
function(pistream_man_page target component synopsis)
    if(NOT HELP2MAN OR (CMAKE_CROSSCOMPILING AND NOT CMAKE_CROSSCOMPILING_EMULATOR))
        message(STATUS "${target}: no manual page (help2man or an emulator missing)")
        return()
    endif()
    set(wrapper ${PROJECT_BINARY_DIR}/man/${target})
    list(JOIN CMAKE_CROSSCOMPILING_EMULATOR " " emulator)
    file(GENERATE OUTPUT ${wrapper}
         CONTENT "#!/bin/sh\nexec ${emulator} $<TARGET_FILE:${target}> \"$@\"\n"
         FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE)
    set(page ${PROJECT_BINARY_DIR}/man/${target}.1.gz)
    add_custom_command(OUTPUT ${page}
        COMMAND ${HELP2MAN} --no-info --section=1 --name=${synopsis}
                --version-string=${PROJECT_VERSION} --output=${PROJECT_BINARY_DIR}/man/${target}.1
                ${wrapper}
        COMMAND gzip -9nf ${PROJECT_BINARY_DIR}/man/${target}.1
        DEPENDS ${target} VERBATIM)
    add_custom_target(${target}-man ALL DEPENDS ${page})
    install(FILES ${page} DESTINATION share/man/man1 COMPONENT ${component})
endfunction()

set(components)
if(TARGET pistream-server)
    pistream_man_page(pistream-server server "stream a Raspberry Pi camera to viewers and browsers")
    install(TARGETS pistream-server RUNTIME DESTINATION bin COMPONENT server)
    install(FILES ${PROJECT_SOURCE_DIR}/systemd/pistream-server.service
            DESTINATION /lib/systemd/system COMPONENT server)
    install(FILES ${PROJECT_SOURCE_DIR}/systemd/server.toml DESTINATION /etc/pistream COMPONENT server)
    install(FILES ${PROJECT_SOURCE_DIR}/systemd/60-pistream-dma-heap.rules
            DESTINATION /lib/udev/rules.d COMPONENT server)
    pistream_package_docs(server pistream-server)
    list(APPEND components server)
endif()
if(TARGET pistream-viewer)
    install(TARGETS pistream-viewer RUNTIME DESTINATION bin COMPONENT viewer)
    pistream_man_page(pistream-viewer viewer "watch a pistream camera")
    pistream_package_docs(viewer pistream-viewer)
    list(APPEND components viewer)
endif()

# Debian's name for the target architecture.
if(CMAKE_CROSSCOMPILING)
    if(CMAKE_SYSTEM_PROCESSOR STREQUAL "aarch64")
        set(deb_arch arm64)
    elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^arm")
        set(deb_arch armhf)
    else()
        set(deb_arch ${CMAKE_SYSTEM_PROCESSOR})
    endif()
else()
    execute_process(COMMAND dpkg --print-architecture OUTPUT_VARIABLE deb_arch
                    OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
endif()

set(CPACK_GENERATOR DEB)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL ${components})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "pistream developers <pistream@users.noreply.github.com>")
set(CPACK_PACKAGE_VENDOR "pistream")
# Each component's description begins with its own synopsis line.
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "")
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE ${deb_arch})
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS OFF)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://github.com/pistream/pistream")

set(CPACK_DEBIAN_SERVER_PACKAGE_NAME pistream-server)
set(CPACK_DEBIAN_SERVER_PACKAGE_SECTION video)
set(CPACK_DEBIAN_SERVER_DESCRIPTION "Raspberry Pi camera streaming server
pistream-server captures from a camera (or a test pattern or file),
JPEG-encodes each frame once and streams it to every pistream-viewer on the
network over TCP, skipping frames for slow viewers so latency stays low. It
runs as a hardened systemd service with readiness and watchdog.")
set(CPACK_DEBIAN_SERVER_PACKAGE_CONTROL_EXTRA
    ${PACKAGING_DIR}/server/postinst ${PACKAGING_DIR}/server/prerm ${PACKAGING_DIR}/server/postrm
    ${PACKAGING_DIR}/server/conffiles)
set(CPACK_DEBIAN_SERVER_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# Announcing on the LAN needs the daemon; the server runs without it.
set(CPACK_DEBIAN_SERVER_PACKAGE_RECOMMENDS avahi-daemon)

set(CPACK_DEBIAN_VIEWER_PACKAGE_NAME pistream-viewer)
set(CPACK_DEBIAN_VIEWER_PACKAGE_SECTION video)
set(CPACK_DEBIAN_VIEWER_DESCRIPTION "desktop viewer for pistream camera streams
pistream-viewer connects to a pistream-server, decodes its stream and shows it
in one window updated in place, with an overlay, snapshots, recording to
Matroska and automatic reconnection; or headless, printing statistics.")

include(CPack)
