#include "notify/webhook_notifier.h"

#include <algorithm>
#include <condition_variable>
#include <curl/curl.h>
#include <memory>
#include <nlohmann/json.hpp>

#include <spdlog/spdlog.h>

#include "core/printable_text.h"
#include "notify/home_assistant.h"

namespace pistream {

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kWebhookIdleWait = std::chrono::milliseconds(200);

void initCurl()
{
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// scheme://host[:port]/path, without user info or query (they may hold secrets).
std::string describeUrl(const std::string& url)
{
    const std::size_t scheme = url.find("://");
    std::string rest = url.substr(scheme + 3);
    const std::size_t pathStart = std::min(rest.find_first_of("/?#"), rest.size());
    std::string authority = rest.substr(0, pathStart);
    if (const std::size_t at = authority.rfind('@'); at != std::string::npos)
        authority = authority.substr(at + 1);
    std::string path = rest.substr(pathStart);
    path = path.substr(0, std::min(path.find_first_of("?#"), path.size()));
    return url.substr(0, scheme + 3) + authority + path;
}

// Ends a transfer early when the notifier stops.
int onProgress(void* stop, curl_off_t, curl_off_t, curl_off_t, curl_off_t)
{
    return static_cast<const std::stop_token*>(stop)->stop_requested() ? 1 : 0;
}

std::size_t discardBody(char*, std::size_t size, std::size_t count, void*)
{
    return size * count;
}

} // namespace

WebhookNotifier::WebhookNotifier(std::string camera, WebhookConfig config)
    : camera_(std::move(camera)), config_(std::move(config)), where_(describeUrl(config_.url)),
      queue_(config_.queueEvents), errorLog_(config_.logEvery)
{
    initCurl();
}

WebhookNotifier::~WebhookNotifier()
{
    stop();
}

void WebhookNotifier::start()
{
    if (worker_.joinable())
        return;
    spdlog::info("webhook {}: a POST when motion starts and ends", where_);
    worker_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

void WebhookNotifier::stop()
{
    if (!worker_.joinable())
        return;
    worker_.request_stop();
    queue_.wake();
    worker_.join();
}

nlohmann::json WebhookNotifier::status() const
{
    std::lock_guard lock(errorMutex_);
    return {{"kind", "webhook"},        {"target", where_},           {"sent", sent_.load()},
            {"failed", failed_.load()}, {"dropped", dropped_.load()}, {"lastError", lastError_}};
}

void WebhookNotifier::onMotionEvent(const MotionEventRecord& event, MotionEvents::Change change)
{
    if (change != MotionEvents::Change::None)
        dropped_ += queue_.push(motionEventJson(camera_, event, change));
}

void WebhookNotifier::run(const std::stop_token& stop)
{
    std::mutex mutex;
    std::condition_variable_any wake;
    while (!stop.stop_requested()) {
        const auto body = queue_.pop(Clock::now() + kWebhookIdleWait);
        if (!body)
            continue;
        auto wait = config_.retryWait;
        for (int attempt = 1;; ++attempt) {
            std::string error = post(*body);
            if (error.empty()) {
                ++sent_;
                break;
            }
            if (stop.stop_requested())
                return;
            if (attempt >= config_.attempts) {
                ++failed_;
                logError(error + " (gave up after " + std::to_string(attempt) + " attempts)");
                break;
            }
            // A wait that stop() ends.
            std::unique_lock lock(mutex);
            wake.wait_for(lock, stop, wait, [] { return false; });
            if (stop.stop_requested())
                return;
            wait *= 2;
        }
    }
}

std::string WebhookNotifier::post(const std::string& body)
{
    const std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(),
                                                                   &curl_easy_cleanup);
    if (!curl)
        return "curl_easy_init failed";
    const std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers(
        curl_slist_append(nullptr, "Content-Type: application/json"), &curl_slist_free_all);
    const std::stop_token stop = worker_.get_stop_token();
    CURL* handle = curl.get();
    curl_easy_setopt(handle, CURLOPT_URL, config_.url.c_str());
    curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(handle, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, static_cast<long>(config_.timeout.count()));
    curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(handle, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, &onProgress);
    curl_easy_setopt(handle, CURLOPT_XFERINFODATA, &stop);
    curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, &discardBody);
    curl_easy_setopt(handle, CURLOPT_USERAGENT, "pistream-server");
    const CURLcode rc = curl_easy_perform(handle);
    if (rc != CURLE_OK)
        return curl_easy_strerror(rc);
    long code = 0;
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &code);
    if (code < 200 || code > 299)
        return "the receiver answered " + std::to_string(code);
    return {};
}

void WebhookNotifier::logError(const std::string& what)
{
    {
        std::lock_guard lock(errorMutex_);
        lastError_ = what;
    }
    if (!errorLog_.allow(Clock::now()))
        return;
    if (errorLog_.suppressed() > 0)
        spdlog::warn("webhook {}: {} ({} more since the last line)", where_, escapeText(what, 300),
                     errorLog_.suppressed());
    else
        spdlog::warn("webhook {}: {}", where_, escapeText(what, 300));
}

} // namespace pistream
