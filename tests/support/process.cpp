#include "support/process.h"

#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <iterator>
#include <spawn.h>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace pistream::test {

namespace {

std::string slurp(const std::filesystem::path& path)
{
    std::ifstream in(path);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

} // namespace

Process::Process(std::vector<std::string> argv, const std::filesystem::path& dir,
                 const std::string& name, const std::vector<std::string>& env)
    : outPath_(dir / (name + ".out")), errPath_(dir / (name + ".err"))
{
    std::vector<std::string> environment(env);
    for (char** entry = environ; *entry; ++entry) {
        const std::string text = *entry;
        const std::string key = text.substr(0, text.find('=') + 1);
        bool overridden = false;
        for (const auto& mine : env)
            overridden |= mine.rfind(key, 0) == 0;
        if (!overridden)
            environment.push_back(text);
    }
    std::vector<char*> envp;
    for (auto& entry : environment)
        envp.push_back(entry.data());
    envp.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, outPath_.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    posix_spawn_file_actions_addopen(&actions, 2, errPath_.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    std::vector<char*> args;
    for (auto& arg : argv)
        args.push_back(arg.data());
    args.push_back(nullptr);
    const int error = posix_spawnp(&pid_, args[0], &actions, nullptr, args.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (error != 0)
        throw std::runtime_error("cannot start " + argv[0]);
}

Process::~Process()
{
    if (!status_ && pid_ > 0) {
        ::kill(pid_, SIGKILL);
        wait(std::chrono::seconds(5));
    }
}

void Process::signal(int sig) const
{
    ::kill(pid_, sig);
}

std::optional<int> Process::wait(std::chrono::milliseconds timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!status_) {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            break;
        }
        if (std::chrono::steady_clock::now() >= deadline)
            return std::nullopt;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return status_;
}

bool Process::running()
{
    return !wait(std::chrono::milliseconds(0));
}

std::string Process::out() const
{
    return slurp(outPath_);
}

std::string Process::err() const
{
    return slurp(errPath_);
}

std::optional<std::string> Process::waitForErr(const std::regex& pattern,
                                               std::chrono::milliseconds timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const std::string text = err();
        std::smatch match;
        if (std::regex_search(text, match, pattern))
            return match.size() > 1 ? match[1].str() : match[0].str();
        if (std::chrono::steady_clock::now() >= deadline || !running())
            return std::nullopt;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

long Process::rssKb() const
{
    std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
    for (std::string line; std::getline(status, line);)
        if (line.rfind("VmRSS:", 0) == 0)
            return std::stol(line.substr(6));
    return 0;
}

int Process::openFds() const
{
    std::error_code error;
    int count = 0;
    for (auto it =
             std::filesystem::directory_iterator("/proc/" + std::to_string(pid_) + "/fd", error);
         !error && it != std::filesystem::directory_iterator(); ++it)
        ++count;
    return count;
}

std::uint16_t startServer(Process& server)
{
    const auto port = server.waitForErr(std::regex(R"(listening on 127\.0\.0\.1:(\d+)\n)"),
                                        std::chrono::seconds(10));
    return port ? static_cast<std::uint16_t>(std::stoi(*port)) : 0;
}

std::pair<int, std::string> runTool(std::vector<std::string> argv, const std::filesystem::path& dir,
                                    const std::vector<std::string>& env)
{
    static int count = 0;
    Process tool(std::move(argv), dir, "tool" + std::to_string(count++), env);
    const auto code = tool.wait(std::chrono::seconds(60));
    return {code.value_or(-1), tool.out()};
}

std::string serverBinary()
{
    return PISTREAM_SERVER_BIN;
}

std::string viewerBinary()
{
    return PISTREAM_VIEWER_BIN;
}

} // namespace pistream::test
