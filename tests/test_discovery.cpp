// Discovery without a network: what the server announces (TXT records, its
// name) and what the viewer makes of it (parsing hostile TXT, merging, the
// --list table and JSON). tests/test_avahi.cpp runs the real thing.

#include <algorithm>
#include <nlohmann/json.hpp>

#include <doctest/doctest.h>

#include "discovery/announcement.h"
#include "discovery/camera_list.h"
#include "protocol/messages.h"

using namespace pistream;

namespace {

Announcement garden()
{
    Announcement announcement;
    announcement.name = "Garden";
    announcement.streamPort = 8485;
    announcement.httpPort = 8080;
    announcement.width = 1280;
    announcement.height = 720;
    announcement.fpsNumerator = 30;
    announcement.fpsDenominator = 1;
    return announcement;
}

DiscoveredCamera camera(const std::string& service, const std::string& address, bool ipv6)
{
    DiscoveredCamera found;
    found.service = service;
    found.host = "pi.local";
    found.address = address;
    found.port = 8485;
    found.ipv6 = ipv6;
    return found;
}

} // namespace

TEST_CASE("the announcement's TXT records: version, name, size, fps, key and the HTTP port")
{
    const std::string version =
        "v=" + std::to_string(kVersionMajor) + "." + std::to_string(kVersionMinor);
    CHECK(announcementTxt(garden()) ==
          std::vector<std::string>{version, "name=Garden", "size=1280x720", "fps=30", "key=yes",
                                   "http=8080", "https=no"});
    Announcement plain = garden();
    plain.keyNeeded = false;
    plain.httpPort.reset();
    plain.fpsNumerator = 30000;
    plain.fpsDenominator = 1001;
    CHECK(announcementTxt(plain) ==
          std::vector<std::string>{version, "name=Garden", "size=1280x720", "fps=29.97", "key=no"});
    CHECK(formatFps(1, 2) == "0.5");
    CHECK(formatFps(60, 1) == "60");
    CHECK(formatFps(1, 0) == "0");
}

TEST_CASE("service names: 1 to 63 bytes of printable UTF-8, the host name by default")
{
    CHECK(serviceNameProblem("Garden").empty());
    CHECK(serviceNameProblem("K\xc3\xbc"
                             "che #2")
              .empty());
    CHECK(serviceNameProblem(std::string(63, 'a')).empty());
    CHECK_FALSE(serviceNameProblem("").empty());
    CHECK_FALSE(serviceNameProblem(std::string(64, 'a')).empty());
    CHECK_FALSE(serviceNameProblem("bad\nname").empty());
    CHECK_FALSE(serviceNameProblem("bad\x1b[31m").empty());
    CHECK_FALSE(serviceNameProblem("\xff\xfe").empty());
    CHECK_FALSE(serviceNameProblem("cut \xc3").empty());
    const std::string host = defaultServiceName();
    CHECK(serviceNameProblem(host).empty());
    CHECK(host.find('.') == std::string::npos);
}

TEST_CASE("the viewer reads what the server announces")
{
    const CameraTxt txt = parseCameraTxt(announcementTxt(garden()));
    CHECK(txt.name == "Garden");
    CHECK(txt.width == 1280);
    CHECK(txt.height == 720);
    CHECK(txt.fps == "30");
    CHECK(txt.keyNeeded == true);
    CHECK(txt.httpPort == std::uint16_t{8080});
    CHECK_FALSE(txt.https);
    CHECK(txt.version == std::to_string(kVersionMajor) + "." + std::to_string(kVersionMinor));
}

TEST_CASE("hostile TXT records are ignored or capped, never trusted")
{
    const CameraTxt bad =
        parseCameraTxt({"size=99999x720", "fps=1e9", "key=maybe", "http=70000", "noequals", "=",
                        "v=" + std::string(100, '9'), "name=" + std::string(1000, 'n')});
    CHECK(bad.width == 0);
    CHECK(bad.height == 0);
    CHECK(bad.fps.empty());
    CHECK_FALSE(bad.keyNeeded.has_value());
    CHECK_FALSE(bad.httpPort.has_value());
    CHECK(bad.version.size() == 16);
    CHECK(bad.name.size() == kMaxTxtValue);
    CHECK(parseCameraTxt({"size=12x", "fps=.5", "http=0"}).fps.empty());
    CHECK(parseCameraTxt({"size=x12"}).width == 0);
    CHECK(parseCameraTxt({"fps=12.5.1"}).fps.empty());

    // Records past the cap are not read.
    std::vector<std::string> many(kMaxTxtRecords, "junk=1");
    many.push_back("name=late");
    CHECK(parseCameraTxt(many).name.empty());
}

TEST_CASE("one camera seen over IPv6 and IPv4 and on two interfaces is listed once, IPv4")
{
    const auto merged =
        mergeCameras({camera("B", "fe80::1%eth0", true), camera("A", "10.0.0.2", false),
                      camera("B", "10.0.0.3", false), camera("B", "10.0.0.4", false),
                      camera("A", "fe80::2%eth0", true)});
    REQUIRE(merged.size() == 2);
    CHECK(merged[0].service == "A");
    CHECK(merged[0].address == "10.0.0.2");
    CHECK(merged[1].service == "B");
    CHECK(merged[1].address == "10.0.0.3");
    CHECK(merged[1].endpoint() == "10.0.0.3:8485");
    CHECK(merged[1].hostEndpoint() == "pi.local:8485");
    CHECK(camera("C", "fe80::1%eth0", true).endpoint() == "[fe80::1%eth0]:8485");
}

TEST_CASE("--list prints a table and JSON, peer text escaped, stored keys marked")
{
    DiscoveredCamera garden = camera("Garden", "10.0.0.2", false);
    garden.txt = parseCameraTxt({"name=Garden", "size=1280x720", "fps=30", "key=yes", "v=1.0"});
    DiscoveredCamera evil = camera("evil\x1b[2J\nname", "10.0.0.3", false);
    evil.txt = parseCameraTxt({"key=no", "name=\x1b[31m"});
    const std::vector<DiscoveredCamera> cameras = {garden, evil};
    const KeyLookup hasKey = [](const DiscoveredCamera& found) {
        return found.service == "Garden";
    };

    const std::string table = formatCameraTable(cameras, hasKey);
    INFO(table);
    CHECK(table.find("NAME") == 0);
    CHECK(table.find("Garden") != std::string::npos);
    CHECK(table.find("1280x720") != std::string::npos);
    CHECK(table.find("stored") != std::string::npos);
    CHECK(table.find("not needed") != std::string::npos);
    CHECK(table.find('\x1b') == std::string::npos);
    CHECK(std::count(table.begin(), table.end(), '\n') == 3); // header and two rows

    const nlohmann::json json = camerasJson(cameras, hasKey);
    REQUIRE(json.is_array());
    REQUIRE(json.size() == 2);
    CHECK(json[0]["name"] == "Garden");
    CHECK(json[0]["address"] == "10.0.0.2");
    CHECK(json[0]["port"] == 8485);
    CHECK(json[0]["size"] == "1280x720");
    CHECK(json[0]["fps"] == 30.0);
    CHECK(json[0]["key_needed"] == true);
    CHECK(json[0]["key_stored"] == true);
    CHECK(json[0]["version"] == "1.0");
    CHECK(json[1]["key_needed"] == false);
    CHECK(json[1]["key_stored"] == false);
    CHECK(json[1]["fps"].is_null());
    CHECK(json[1]["name"].get<std::string>().find('\x1b') == std::string::npos);
    CHECK(json[1]["service"].get<std::string>().find('\n') == std::string::npos);
}
