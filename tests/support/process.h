#pragma once

// Runs a real program for end-to-end tests, its output captured in files.

#include <chrono>
#include <filesystem>
#include <optional>
#include <regex>
#include <string>
#include <sys/types.h>
#include <vector>

namespace pistream::test {

class Process {
public:
    // Starts argv[0] (searched in PATH) with the arguments; stdout and stderr go
    // to files in `dir`. `env` entries ("NAME=value") are added to the environment.
    Process(std::vector<std::string> argv, const std::filesystem::path& dir,
            const std::string& name, const std::vector<std::string>& env = {});
    ~Process(); // kills the process if it still runs
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;

    pid_t pid() const { return pid_; }
    void signal(int sig) const;
    // Exit code (128 + signal if killed), or nothing if still running at the timeout.
    std::optional<int> wait(std::chrono::milliseconds timeout);
    bool running();

    std::string out() const;
    std::string err() const;
    // Waits until stderr matches; returns the first capture group (or the match).
    std::optional<std::string> waitForErr(const std::regex& pattern,
                                          std::chrono::milliseconds timeout);
    // Resident memory in KiB from /proc, 0 if gone.
    long rssKb() const;
    int openFds() const;

private:
    pid_t pid_ = -1;
    std::optional<int> status_;
    std::filesystem::path outPath_, errPath_;
};

// Starts pistream-server on 127.0.0.1 on an ephemeral port with extra flags and
// waits for its "listening on" line; returns the port (0 if it did not start).
std::uint16_t startServer(Process& server);

// Runs a command to completion (for tools like ffprobe); returns exit code and stdout.
std::pair<int, std::string> runTool(std::vector<std::string> argv, const std::filesystem::path& dir,
                                    const std::vector<std::string>& env = {});

std::string serverBinary();
std::string viewerBinary();

} // namespace pistream::test
