#include "core/mapped_file.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <stdexcept>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace pistream {

namespace {

[[noreturn]] void fail(const std::string& path, const char* what, int error)
{
    throw std::runtime_error(path + ": " + what + ": " + std::strerror(error));
}

} // namespace

MappedFile::MappedFile(const std::string& path) : path_(path)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        fail(path, "cannot open", errno);
    struct stat info {};
    if (::fstat(fd, &info) != 0) {
        const int error = errno;
        ::close(fd);
        fail(path, "cannot stat", error);
    }
    if (!S_ISREG(info.st_mode)) {
        ::close(fd);
        throw std::runtime_error(path + ": not a regular file");
    }
    size_ = static_cast<std::size_t>(info.st_size);
    if (size_ == 0) {
        ::close(fd);
        throw std::runtime_error(path + ": file is empty");
    }
    void* map = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    const int error = errno;
    ::close(fd);
    if (map == MAP_FAILED)
        fail(path, "cannot map", error);
    // Looping sources read every page again and again: keep them mapped
    // (MADV_SEQUENTIAL would let the kernel drop pages behind us, and every
    // loop would fault the whole file back in).
    ::madvise(map, size_, MADV_WILLNEED);
    data_ = static_cast<const std::uint8_t*>(map);
}

MappedFile::~MappedFile()
{
    if (data_)
        ::munmap(const_cast<std::uint8_t*>(data_), size_);
}

FramePtr lendFromFile(std::shared_ptr<const MappedFile> file, const RawFrame& frame)
{
    struct Lent {
        std::shared_ptr<const MappedFile> file;
        RawFrame frame;
    };
    auto lent = std::make_shared<Lent>(Lent{std::move(file), frame});
    return FramePtr(lent, &lent->frame);
}

} // namespace pistream
