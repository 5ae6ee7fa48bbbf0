#include "http/http_page.h"

#include <array>
#include <openssl/evp.h>
#include <openssl/sha.h>

namespace pistream {

namespace {

// One self-contained page: the MJPEG stream in an <img> scaled to the window,
// and a status bar filled from /api/status once a second: a badge while a
// motion event lasts and, with --record, the latest events from /api/events
// as thumbnails, each replayed in the same <img> from /events/ID/play.mjpg.
// What the server sends goes into the page as text (textContent) or as a URL
// built from a checked numeric id, never as markup. No external files.
constexpr std::string_view kPage = R"html(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>pistream</title>
<style>
  :root { color-scheme: dark; --bar: rgba(20, 22, 26, .82); --accent: #4fc3f7; --bad: #ef5350; }
  * { box-sizing: border-box; }
  html, body { margin: 0; height: 100%; background: #000; color: #e8eaed;
               font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
  #view { position: fixed; inset: 0; display: flex; align-items: center; justify-content: center; }
  #picture { max-width: 100%; max-height: 100%; object-fit: contain; background: #111; }
  header, footer { position: fixed; left: 0; right: 0; display: flex; gap: .75em; align-items: center;
                   padding: .5em .9em; background: var(--bar); backdrop-filter: blur(6px); }
  header { top: 0; } footer { bottom: 0; flex-wrap: wrap; font-variant-numeric: tabular-nums; }
  header h1 { font-size: 1em; margin: 0; letter-spacing: .04em; }
  #state { padding: .1em .6em; border-radius: 1em; background: #2e7d32; font-weight: 600; }
  #state.down { background: var(--bad); }
  .spacer { flex: 1; }
  button, a.button { font: inherit; color: inherit; background: #30343b; border: 1px solid #454a52;
                     border-radius: .4em; padding: .35em .8em; cursor: pointer; text-decoration: none; }
  button:hover, a.button:hover { border-color: var(--accent); }
  footer span b { color: var(--accent); font-weight: 600; }
  #motion { padding: .1em .6em; border-radius: 1em; background: #f9a825; color: #000; font-weight: 600; }
  #events { position: fixed; right: .9em; bottom: 3.2em; display: flex; gap: .5em; }
  #events button { padding: .2em; display: flex; flex-direction: column; align-items: center; }
  #events img { width: 8em; height: 4.5em; object-fit: cover; background: #111; border-radius: .3em; }
  #events small { color: #9aa0a6; }
  [hidden] { display: none !important; }
  #banner { position: fixed; top: 3.2em; left: 50%; transform: translateX(-50%); display: none;
            background: var(--bad); padding: .4em 1em; border-radius: .4em; }
</style>
</head>
<body>
<div id="view"><img id="picture" src="stream.mjpg" alt="live camera picture"></div>
<header>
  <h1 id="name">pistream</h1><span id="state">connecting</span>
  <span id="motion" hidden>motion</span><span id="playing" hidden></span><span class="spacer"></span>
  <button id="live" type="button" hidden>Back to live</button>
  <a class="button" id="snapshot" href="snapshot.jpg" download="snapshot.jpg">Snapshot</a>
  <button id="fullscreen" type="button">Fullscreen</button>
</header>
<div id="banner"></div>
<div id="events" hidden></div>
<footer>
  <span><b id="size">-</b></span>
  <span><b id="fps">-</b> fps</span>
  <span><b id="viewers">-</b> viewers</span>
  <span>latency &asymp; <b id="latency">-</b> ms</span>
  <span class="spacer"></span><span id="source"></span>
</footer>
<script>
"use strict";
const $ = (id) => document.getElementById(id);
const picture = $("picture");
$("fullscreen").onclick = () => {
  const view = $("view");
  if (document.fullscreenElement) document.exitFullscreen();
  else (view.requestFullscreen || view.webkitRequestFullscreen).call(view);
};
let playing = 0; // the event being replayed, 0 while live
const goLive = () => {
  playing = 0;
  $("live").hidden = true;
  $("playing").hidden = true;
  picture.src = "stream.mjpg?" + Date.now();
};
$("live").onclick = goLive;
// A dropped stream (server restart, Wi-Fi) is picked up again.
picture.onerror = () => setTimeout(() => { if (!playing) goLive(); }, 1000);
// A recorded event in place of the live picture, until "Back to live".
function play(id) {
  playing = id;
  $("playing").textContent = "event " + id;
  $("playing").hidden = false;
  $("live").hidden = false;
  picture.src = "events/" + id + "/play.mjpg";
}
let shownEvents = "", lastEvents = 0;
// The latest events as thumbnails; URLs only from numeric ids, text as text.
async function refreshEvents(force) {
  if (!force && performance.now() - lastEvents < 10000) return;
  lastEvents = performance.now();
  try {
    const response = await fetch("api/events?limit=6", { cache: "no-store" });
    if (!response.ok) return;
    const list = (await response.json()).events;
    if (!Array.isArray(list)) return;
    const events = list.filter((e) => e && Number.isSafeInteger(e.id) && e.id > 0);
    const key = JSON.stringify(events.map((e) => [e.id, e.thumbnail !== null, e.endMs !== null]));
    if (key === shownEvents) return;
    shownEvents = key;
    const box = $("events");
    box.replaceChildren();
    for (const event of events) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "event";
      button.title = "play event " + event.id;
      if (event.thumbnail !== null) {
        const thumb = document.createElement("img");
        thumb.src = "events/" + event.id + "/thumb.jpg";
        thumb.alt = "event " + event.id;
        button.append(thumb);
      }
      const when = document.createElement("small");
      const start = new Date(Number(event.startMs));
      when.textContent = isNaN(start) ? "event " + event.id : start.toLocaleTimeString();
      button.append(when);
      button.onclick = () => play(event.id);
      box.append(button);
    }
    box.hidden = events.length === 0;
  } catch (error) {
    // the next status poll tries again
  }
}
let lastMotion = "";
async function refresh() {
  const asked = performance.now();
  try {
    const response = await fetch("api/status", { cache: "no-store" });
    const status = await response.json();
    const rtt = performance.now() - asked;
    const live = status.source.state === "live";
    if (status.name && $("name").textContent !== status.name) {
      $("name").textContent = status.name; // text, never markup
      document.title = status.name + " \u2013 pistream";
    }
    $("state").textContent = live ? "live" : "source down";
    $("state").className = live ? "" : "down";
    $("banner").style.display = live ? "none" : "block";
    $("banner").textContent = live ? "" : status.source.text;
    $("size").textContent = status.width + "\u00d7" + status.height;
    $("fps").textContent = status.fps.out.toFixed(1);
    $("viewers").textContent = status.viewers.tcp + status.viewers.http;
    $("latency").textContent =
      status.frameAgeMs === null ? "-" : Math.round(status.frameAgeMs + rtt / 2);
    $("source").textContent = status.source.description;
    const motion = status.motion;
    $("motion").hidden = !(motion && motion.active === true);
    if (status.recording) {
      const seen = motion ? motion.events + "/" + motion.active : "";
      refreshEvents(seen !== lastMotion); // at once when an event starts or ends
      lastMotion = seen;
    }
  } catch (error) {
    $("state").textContent = "offline";
    $("state").className = "down";
  }
}
refresh();
setInterval(refresh, 1000);
</script>
</body>
</html>
)html";

constexpr std::string_view kLogin = R"html(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>pistream: pairing key</title>
<style>
  :root { color-scheme: dark; }
  body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: #111;
         color: #e8eaed; font: 16px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
  form { background: #1d2025; padding: 2em; border-radius: .8em; width: min(26em, 92vw); }
  h1 { font-size: 1.2em; margin: 0 0 .8em; }
  input { width: 100%; box-sizing: border-box; font: inherit; padding: .6em; margin: .6em 0 1em;
          background: #0c0d0f; color: inherit; border: 1px solid #454a52; border-radius: .4em;
          letter-spacing: .05em; text-transform: uppercase; }
  button { font: inherit; padding: .55em 1.4em; border: 0; border-radius: .4em; background: #4fc3f7;
           color: #000; cursor: pointer; }
  .wrong { color: #ef5350; }
  small { color: #9aa0a6; display: block; margin-top: 1.2em; }
</style>
</head>
<body>
<form method="post" action="login">
  <h1>This camera needs its pairing key</h1>
  @WRONG@
  <label for="key">Pairing key</label>
  <input id="key" name="key" autocomplete="current-password" autofocus required
         placeholder="ABCD-EFGH-IJKL-MNOP-QRST-UVWX-YZ23-4567">
  <button type="submit">Watch</button>
  <small>On the Pi: <code>sudo cat /var/lib/pistream/pairing.key</code></small>
</form>
</body>
</html>
)html";

} // namespace

std::string_view indexPage()
{
    return kPage;
}

std::string loginPage(bool wrongKey)
{
    std::string page(kLogin);
    page.replace(page.find("@WRONG@"), 7,
                 wrongKey ? "<p class=\"wrong\">That is not this camera's key.</p>" : "");
    return page;
}

namespace {

// 'sha256-BASE64' of each <tag>...</tag> block's text in `page`.
std::string hashesOf(std::string_view page, std::string_view tag)
{
    // Appended, not "<" + tag: GCC 12 warns (-Wrestrict) on that at -O3.
    std::string open = "<", close = "</";
    open.append(tag).append(">");
    close.append(tag).append(">");
    std::string hashes;
    for (auto at = page.find(open); at != std::string_view::npos; at = page.find(open, at)) {
        at += open.size();
        const auto end = page.find(close, at);
        const std::string_view text = page.substr(at, end - at);
        std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
        SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest.data());
        std::array<char, 4 * ((SHA256_DIGEST_LENGTH + 2) / 3) + 1> base64{};
        EVP_EncodeBlock(reinterpret_cast<unsigned char*>(base64.data()), digest.data(),
                        static_cast<int>(digest.size()));
        hashes += " 'sha256-" + std::string(base64.data()) + "'";
        at = end;
    }
    return hashes;
}

} // namespace

const std::string& contentSecurityPolicy()
{
    static const std::string policy = [] {
        const std::string login = loginPage(false);
        return "default-src 'none'; img-src 'self'; connect-src 'self'; script-src" +
               hashesOf(kPage, "script") + "; style-src" + hashesOf(kPage, "style") +
               hashesOf(login, "style") +
               "; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
    }();
    return policy;
}

} // namespace pistream
