#include "sources/v4l2_rates.h"

#include <algorithm>
#include <cctype>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <linux/videodev2.h>
#include <sys/ioctl.h>
#include <unistd.h>

namespace pistream {

std::string usbIdOf(const std::string& cameraId)
{
    // "-vvvv:pppp" at the very end, four hex digits each.
    if (cameraId.size() < 10 || cameraId[cameraId.size() - 10] != '-' ||
        cameraId[cameraId.size() - 5] != ':')
        return {};
    std::string id = cameraId.substr(cameraId.size() - 9);
    for (std::size_t i = 0; i < id.size(); ++i) {
        if (i == 4)
            continue;
        if (!std::isxdigit(static_cast<unsigned char>(id[i])))
            return {};
        id[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(id[i])));
    }
    return id;
}

namespace {

std::string firstLine(const std::filesystem::path& path)
{
    std::ifstream file(path);
    std::string line;
    std::getline(file, line);
    return line;
}

// The vvvv:pppp of a video4linux node, from its USB device's sysfs entry (the
// node's device is the USB interface; the device above it has the ids).
std::string usbIdOfNode(const std::filesystem::path& node)
{
    std::error_code error;
    const auto device = std::filesystem::canonical(node / "device", error);
    if (error)
        return {};
    for (auto dir = device; !dir.empty() && dir != dir.root_path(); dir = dir.parent_path())
        if (std::filesystem::exists(dir / "idVendor", error))
            return firstLine(dir / "idVendor") + ":" + firstLine(dir / "idProduct");
    return {};
}

// The fastest discrete (or stepwise minimum) interval of a format and size, as fps.
double fastestRate(int fd, std::uint32_t format, std::uint32_t width, std::uint32_t height)
{
    double best = 0;
    v4l2_frmivalenum interval{};
    interval.pixel_format = format;
    interval.width = width;
    interval.height = height;
    for (interval.index = 0; ::ioctl(fd, VIDIOC_ENUM_FRAMEINTERVALS, &interval) == 0;
         ++interval.index) {
        const v4l2_fract& f =
            interval.type == V4L2_FRMIVAL_TYPE_DISCRETE ? interval.discrete : interval.stepwise.min;
        if (f.numerator > 0)
            best = std::max(best, static_cast<double>(f.denominator) / f.numerator);
        if (interval.type != V4L2_FRMIVAL_TYPE_DISCRETE)
            break;
    }
    return best;
}

std::vector<CameraFormatOffer> ratesOf(int fd)
{
    std::vector<CameraFormatOffer> rates;
    v4l2_fmtdesc format{};
    format.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    for (format.index = 0; ::ioctl(fd, VIDIOC_ENUM_FMT, &format) == 0; ++format.index) {
        PixelFormat ours;
        if (format.pixelformat == V4L2_PIX_FMT_MJPEG)
            ours = PixelFormat::Mjpeg;
        else if (format.pixelformat == V4L2_PIX_FMT_YUYV)
            ours = PixelFormat::Yuyv;
        else
            continue;
        v4l2_frmsizeenum size{};
        size.pixel_format = format.pixelformat;
        for (size.index = 0; ::ioctl(fd, VIDIOC_ENUM_FRAMESIZES, &size) == 0; ++size.index) {
            if (size.type != V4L2_FRMSIZE_TYPE_DISCRETE)
                break; // webcams list discrete sizes; a range says nothing useful here
            rates.push_back(
                {ours, static_cast<int>(size.discrete.width),
                 static_cast<int>(size.discrete.height),
                 fastestRate(fd, format.pixelformat, size.discrete.width, size.discrete.height)});
        }
    }
    return rates;
}

} // namespace

std::vector<CameraFormatOffer> usbCameraRates(const std::string& usbId, const std::string& sysRoot)
{
    if (usbId.empty())
        return {};
    std::error_code error;
    std::vector<std::filesystem::path> nodes;
    for (const auto& entry :
         std::filesystem::directory_iterator(sysRoot + "/class/video4linux", error))
        nodes.push_back(entry.path());
    std::sort(nodes.begin(), nodes.end()); // video0 before video1: the capture node first
    for (const auto& node : nodes) {
        if (usbIdOfNode(node) != usbId)
            continue;
        const std::string device = "/dev/" + node.filename().string();
        const int fd = ::open(device.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
            continue;
        auto rates = ratesOf(fd);
        ::close(fd);
        if (!rates.empty())
            return rates;
    }
    return {};
}

void applyRates(std::vector<CameraFormatOffer>& offers, const std::vector<CameraFormatOffer>& rates)
{
    for (CameraFormatOffer& offer : offers)
        for (const CameraFormatOffer& rate : rates)
            if (rate.format == offer.format && rate.width == offer.width &&
                rate.height == offer.height)
                offer.maxFps = rate.maxFps;
}

} // namespace pistream
