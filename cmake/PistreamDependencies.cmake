# Every dependency is a Debian package found as an imported target; nothing is vendored.
find_package(Threads REQUIRED)
find_package(ZLIB REQUIRED)
# libturbojpeg0-dev: libjpeg-turbo::turbojpeg. Debian's CMake package names
# its files as absolute /usr paths, which point out of a sysroot; there the
# pkg-config file (prefixed with the sysroot) gives the same library.
if(CMAKE_SYSROOT)
    find_package(PkgConfig REQUIRED)
    pkg_check_modules(TURBOJPEG REQUIRED IMPORTED_TARGET libturbojpeg)
    add_library(libjpeg-turbo::turbojpeg INTERFACE IMPORTED)
    set_target_properties(libjpeg-turbo::turbojpeg PROPERTIES INTERFACE_LINK_LIBRARIES PkgConfig::TURBOJPEG)
else()
    find_package(libjpeg-turbo REQUIRED CONFIG)
endif()
find_package(CLI11 REQUIRED CONFIG)          # libcli11-dev
find_package(tomlplusplus REQUIRED CONFIG)   # libtomlplusplus-dev
find_package(spdlog REQUIRED CONFIG)         # libspdlog-dev
find_package(nlohmann_json REQUIRED CONFIG)  # nlohmann-json3-dev
find_package(OpenSSL REQUIRED)               # libssl-dev: the pairing key's randomness, base64

# Standalone Asio (libasio-dev) is header-only and ships no CMake package.
find_path(ASIO_INCLUDE_DIR asio.hpp REQUIRED)
if(NOT TARGET asio::asio)
    add_library(asio::asio INTERFACE IMPORTED)
    set_target_properties(asio::asio PROPERTIES
        INTERFACE_INCLUDE_DIRECTORIES "${ASIO_INCLUDE_DIR}"
        INTERFACE_COMPILE_DEFINITIONS "ASIO_STANDALONE;ASIO_NO_DEPRECATED"
        INTERFACE_LINK_LIBRARIES Threads::Threads)
endif()

# libyuv-dev: pixel format conversion (YUYV webcams to 4:2:0), with NEON code
# on the Pi; no CMake or pkg-config file ships with it.
find_path(LIBYUV_INCLUDE_DIR libyuv.h REQUIRED)
find_library(LIBYUV_LIBRARY yuv REQUIRED)
if(NOT TARGET libyuv::libyuv)
    add_library(libyuv::libyuv UNKNOWN IMPORTED)
    set_target_properties(libyuv::libyuv PROPERTIES
        IMPORTED_LOCATION "${LIBYUV_LIBRARY}"
        INTERFACE_INCLUDE_DIRECTORIES "${LIBYUV_INCLUDE_DIR}")
endif()

# libhttp-parser-dev: the server's HTTP request parser; no CMake or pkg-config
# file ships with it, so the imported target is made here. The -dev package
# is not multiarch (arm64 and amd64 cannot both be installed), so a multiarch
# cross build links the runtime library by its soname, with the host's header
# (the same on every architecture).
if(PISTREAM_BUILD_SERVER)
    find_path(HTTP_PARSER_INCLUDE_DIR http_parser.h REQUIRED)
    find_library(HTTP_PARSER_LIBRARY NAMES http_parser libhttp_parser.so.2.9 REQUIRED)
    if(NOT TARGET http_parser::http_parser)
        add_library(http_parser::http_parser UNKNOWN IMPORTED)
        set_target_properties(http_parser::http_parser PROPERTIES
            IMPORTED_LOCATION "${HTTP_PARSER_LIBRARY}"
            INTERFACE_INCLUDE_DIRECTORIES "${HTTP_PARSER_INCLUDE_DIR}")
    endif()
endif()

# Optional: libsystemd for the server's readiness and watchdog notifications.
option(PISTREAM_WITH_SYSTEMD "Use libsystemd (sd_notify) when it is found" ON)
if(PISTREAM_WITH_SYSTEMD)
    find_package(PkgConfig QUIET)
    if(PkgConfig_FOUND)
        pkg_check_modules(SYSTEMD QUIET IMPORTED_TARGET libsystemd)
    endif()
endif()

# Optional: libcamera for the server's camera source (Debian's libcamera-dev
# 0.0.x, Raspberry Pi OS's 0.3 and later); without it --source camera says so.
option(PISTREAM_WITH_LIBCAMERA "Build the camera source when libcamera is found" ON)
if(PISTREAM_BUILD_SERVER AND PISTREAM_WITH_LIBCAMERA)
    find_package(PkgConfig QUIET)
    if(PkgConfig_FOUND)
        pkg_check_modules(LIBCAMERA QUIET IMPORTED_TARGET libcamera)
    endif()
    if(LIBCAMERA_FOUND)
        message(STATUS "libcamera ${LIBCAMERA_VERSION}: the camera source is built")
    else()
        message(STATUS "libcamera not found: the server is built without camera support")
    endif()
endif()

# Optional: the brokers' own client libraries for --publish and --source:
# libmosquitto (libmosquitto-dev) for MQTT, hiredis (libhiredis-dev) for Redis
# and librdkafka (librdkafka-dev) for Kafka; without one, a URL with its
# scheme says the build lacks it. The viewer subscribes with the same clients.
if(PISTREAM_BUILD_SERVER OR PISTREAM_BUILD_VIEWER)
    find_package(PkgConfig QUIET)
    if(PkgConfig_FOUND)
        pkg_check_modules(MOSQUITTO QUIET IMPORTED_TARGET libmosquitto)
        pkg_check_modules(HIREDIS QUIET IMPORTED_TARGET hiredis)
        pkg_check_modules(RDKAFKA QUIET IMPORTED_TARGET rdkafka)
        # --webhook: libcurl (libcurl4-openssl-dev).
        pkg_check_modules(CURL QUIET IMPORTED_TARGET libcurl)
    endif()
    message(STATUS "--publish, --source and the viewer's broker URLs: MQTT ${MOSQUITTO_FOUND}, Redis ${HIREDIS_FOUND}, Kafka ${RDKAFKA_FOUND}; --webhook: ${CURL_FOUND}")
endif()

# The Matroska writer (pistream_media), shared by the viewer's recorder and the
# server's event recorder: ffmpeg's libraries.
find_package(PkgConfig REQUIRED)
pkg_check_modules(LIBAV REQUIRED IMPORTED_TARGET libavformat libavcodec libavutil)

# The server's index of recorded events: Debian's libsqlite3 (libsqlite3-dev).
if(PISTREAM_BUILD_SERVER)
    pkg_check_modules(SQLITE3 REQUIRED IMPORTED_TARGET sqlite3)
endif()

# libavahi-client-dev: mDNS/DNS-SD through avahi-daemon, for the server's
# announcement and the viewer's --list. Debian and Raspberry Pi OS have it.
pkg_check_modules(AVAHI REQUIRED IMPORTED_TARGET avahi-client)

# The viewer's window.
if(PISTREAM_BUILD_VIEWER)
    find_package(SDL2 REQUIRED CONFIG)        # libsdl2-dev: SDL2::SDL2
    find_package(SDL2_ttf REQUIRED CONFIG)    # libsdl2-ttf-dev: SDL2_ttf::SDL2_ttf
endif()

if(BUILD_TESTING)
    find_package(doctest REQUIRED CONFIG)   # doctest-dev: doctest::doctest
endif()
