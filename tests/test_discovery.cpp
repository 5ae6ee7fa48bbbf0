// Discovery without a network: what the server announces (TXT records, its
// name) and what the viewer makes of it (parsing hostile TXT, merging, the
// --list table and JSON). tests/test_avahi.cpp runs the real thing.

#include <algorithm>
#include <nlohmann/json.hpp>

#include <doctest/doctest.h>

#include "discovery/announcement.h"
#include "discovery/camera_list.h"
#include "protocol/messages.h"
#include "ui/picker_layout.h"

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

TEST_CASE("the picker: a row per camera that fits, its name escaped, keys and clicks")
{
    DiscoveredCamera door = camera("Door", "10.0.0.3", false);
    door.txt = parseCameraTxt({"size=640x480", "fps=15", "key=yes"});
    DiscoveredCamera garden = camera("Garden", "10.0.0.2", false);
    garden.txt = parseCameraTxt({"size=1280x720", "fps=30", "key=yes"});
    DiscoveredCamera open = camera("Open", "10.0.0.4", false);
    open.txt = parseCameraTxt({"key=no"});
    DiscoveredCamera evil = camera("evil\x1b[2J\nname", "fe80::1%eth0", true);
    const std::vector<DiscoveredCamera> cameras = {door, garden, open, evil};
    const PickerKeys keys{[](const DiscoveredCamera& found) { return found.service == "Garden"; },
                          false};

    const PickerLayout layout = pickerLayout(cameras, keys, 1280, 720, 30);
    REQUIRE(layout.rows.size() == 5); // four cameras and All
    CHECK(layout.hidden == 0);
    CHECK(layout.title.find("4 cameras") == 0);
    for (std::size_t index = 0; index < 4; ++index)
        CHECK(layout.rows[index].camera == static_cast<int>(index));
    CHECK(layout.rows[4].camera == -1);
    CHECK(layout.rows[4].text.find("All cameras") != std::string::npos);

    const std::string& doorRow = layout.rows[0].text;
    CHECK(doorRow.find("1  Door") == 0);
    CHECK(doorRow.find("10.0.0.3:8485") != std::string::npos);
    CHECK(doorRow.find("640x480") != std::string::npos);
    CHECK(doorRow.find("15 fps") != std::string::npos);
    CHECK(doorRow.find("needs a key") != std::string::npos);
    CHECK(layout.rows[0].keyMissing);
    CHECK(layout.rows[1].text.find("key stored") != std::string::npos);
    CHECK_FALSE(layout.rows[1].keyMissing);
    CHECK(layout.rows[2].text.find("no key needed") != std::string::npos);
    CHECK(layout.rows[2].text.find("- fps") != std::string::npos);
    CHECK_FALSE(layout.rows[2].keyMissing);
    // Peer text escaped: no escape sequence or line break reaches the screen.
    CHECK(layout.rows[3].text.find('\x1b') == std::string::npos);
    CHECK(layout.rows[3].text.find('\n') == std::string::npos);
    CHECK(layout.rows[3].text.find("[fe80::1%eth0]:8485") != std::string::npos);
    // The columns line up in a monospaced font.
    CHECK(layout.rows[0].text.find("10.0.0.3") == layout.rows[1].text.find("10.0.0.2"));
    CHECK(layout.rows[1].text.find("1280x720") == layout.rows[2].text.find("-  "));

    // Rows one below the other, inside the window, none overlapping.
    for (std::size_t index = 0; index + 1 < layout.rows.size(); ++index) {
        const Rect& row = layout.rows[index].area;
        CHECK(row.y >= layout.header.y + layout.header.h);
        CHECK(row.y + row.h <= layout.rows[index + 1].area.y);
        CHECK(row.x >= 0);
        CHECK(row.x + row.w <= 1280);
    }
    CHECK(layout.rows.back().area.y + layout.rows.back().area.h <= 720);

    // A click in a row picks its camera; the All row all; elsewhere nothing.
    const Rect second = layout.rows[1].area;
    const PickerChoice clicked = pickerClick(layout, second.x + 5, second.y + second.h / 2);
    CHECK(clicked.kind == PickerChoice::Kind::Camera);
    CHECK(clicked.camera == 1);
    const Rect all = layout.rows.back().area;
    CHECK(pickerClick(layout, all.x + all.w - 1, all.y).kind == PickerChoice::Kind::All);
    CHECK(pickerClick(layout, 1, 1).kind == PickerChoice::Kind::None);
    // The gap between rows picks nothing.
    CHECK(pickerClick(layout, second.x + 5, second.y + second.h).kind == PickerChoice::Kind::None);

    // Keys: 1-9 for the cameras there are, a for all.
    CHECK(pickerKey(layout, '1').kind == PickerChoice::Kind::Camera);
    CHECK(pickerKey(layout, '1').camera == 0);
    CHECK(pickerKey(layout, '4').camera == 3);
    CHECK(pickerKey(layout, '5').kind == PickerChoice::Kind::None);
    CHECK(pickerKey(layout, '0').kind == PickerChoice::Kind::None);
    CHECK(pickerKey(layout, 'a').kind == PickerChoice::Kind::All);
    CHECK(pickerKey(layout, 'x').kind == PickerChoice::Kind::None);

    // --key given: every camera can be opened.
    const PickerLayout given = pickerLayout(cameras, PickerKeys{{}, true}, 1280, 720, 30);
    CHECK_FALSE(given.rows[0].keyMissing);
    CHECK(given.rows[0].text.find("key given") != std::string::npos);
}

TEST_CASE("the picker in a small window: the rows that fit, the others counted, All kept")
{
    std::vector<DiscoveredCamera> many;
    for (int index = 0; index < 200; ++index)
        many.push_back(
            camera("cam" + std::to_string(index), "10.0.1." + std::to_string(index % 250), false));
    const PickerLayout layout = pickerLayout(many, PickerKeys{}, 640, 300, 30);
    REQUIRE_FALSE(layout.rows.empty());
    CHECK(layout.rows.back().camera == -1);
    const std::size_t shown = layout.rows.size() - 1;
    CHECK(shown > 0);
    CHECK(shown < 10);
    CHECK(layout.hidden == 200 - shown);
    CHECK(layout.title.find("more below") != std::string::npos);
    CHECK(layout.rows.back().area.y + layout.rows.back().area.h <= 300);
    // Only the first nine have a number key; the tenth is picked by its key only if shown.
    CHECK(pickerKey(layout, '9').camera == 8);
    // Row ten on would carry no number.
    const PickerLayout tall = pickerLayout(many, PickerKeys{}, 640, 3000, 30);
    REQUIRE(tall.rows.size() > 10);
    CHECK(tall.rows[8].text.find("9  cam") == 0);
    CHECK(tall.rows[9].text.find("   cam") == 0);

    // No room at all, or no cameras: still the All row, nothing out of bounds.
    const PickerLayout none = pickerLayout(many, PickerKeys{}, 0, 0, 30);
    CHECK(none.rows.size() == 1);
    CHECK(none.hidden == 200);
    const PickerLayout empty = pickerLayout({}, PickerKeys{}, 1280, 720, 30);
    CHECK(empty.rows.size() == 1);
    CHECK(empty.title.find("looking for cameras") == 0);
    CHECK(pickerKey(empty, '1').kind == PickerChoice::Kind::None);
    // Before anything is laid out: nothing to pick but All.
    CHECK(pickerKey(PickerLayout{}, '1').kind == PickerChoice::Kind::None);
    CHECK(pickerKey(PickerLayout{}, 'a').kind == PickerChoice::Kind::All);
    CHECK(pickerClick(PickerLayout{}, 10, 10).kind == PickerChoice::Kind::None);
}
