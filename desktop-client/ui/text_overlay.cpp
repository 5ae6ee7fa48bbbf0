#include "ui/text_overlay.h"

#include <SDL.h>
#include <SDL_ttf.h>
#include <algorithm>
#include <filesystem>
#include <stdexcept>

#include "ui/text_wrap.h"

namespace pistream {

namespace {

constexpr int kPadding = 6;

} // namespace

TextOverlay::TextOverlay(SDL_Renderer* renderer, const std::string& fontPath, int pointSize)
    : renderer_(renderer)
{
    if (!TTF_WasInit() && TTF_Init() != 0)
        throw std::runtime_error(std::string("SDL_ttf: ") + TTF_GetError());
    font_ = TTF_OpenFont(fontPath.c_str(), pointSize);
    if (!font_)
        throw std::runtime_error("cannot open font " + fontPath + ": " + TTF_GetError());
}

TextOverlay::~TextOverlay()
{
    if (texture_)
        SDL_DestroyTexture(texture_);
    if (font_)
        TTF_CloseFont(font_);
}

void TextOverlay::rebuild(const std::vector<std::string>& given, int maxWidth, int maxHeight)
{
    lines_ = given;
    maxWidth_ = maxWidth;
    maxHeight_ = maxHeight;
    if (texture_)
        SDL_DestroyTexture(texture_);
    texture_ = nullptr;
    const int lineHeight = std::max(1, TTF_FontLineSkip(font_));
    const auto measure = [this](const std::string& text) {
        int w = 0, h = 0;
        TTF_SizeUTF8(font_, text.empty() ? " " : text.c_str(), &w, &h);
        return w;
    };
    const auto fitLines =
        static_cast<std::size_t>(std::max(1, (maxHeight - 2 * kPadding) / lineHeight));
    const std::vector<std::string> lines =
        wrapText(given, std::max(1, maxWidth - 2 * kPadding), fitLines, measure);
    int width = 0;
    for (const auto& line : lines) {
        int w = 0, h = 0;
        TTF_SizeUTF8(font_, line.empty() ? " " : line.c_str(), &w, &h);
        width = std::max(width, w);
    }
    width_ = width + 2 * kPadding;
    height_ = lineHeight * static_cast<int>(lines.size()) + 2 * kPadding;
    SDL_Surface* panel =
        SDL_CreateRGBSurfaceWithFormat(0, width_, height_, 32, SDL_PIXELFORMAT_ARGB8888);
    if (!panel)
        return;
    SDL_FillRect(panel, nullptr, SDL_MapRGBA(panel->format, 0, 0, 0, 160));
    const SDL_Color white{255, 255, 255, 255};
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (lines[i].empty())
            continue;
        SDL_Surface* text = TTF_RenderUTF8_Blended(font_, lines[i].c_str(), white);
        if (!text)
            continue;
        SDL_Rect at{kPadding, kPadding + static_cast<int>(i) * lineHeight, text->w, text->h};
        SDL_SetSurfaceBlendMode(text, SDL_BLENDMODE_BLEND);
        SDL_BlitSurface(text, nullptr, panel, &at);
        SDL_FreeSurface(text);
    }
    texture_ = SDL_CreateTextureFromSurface(renderer_, panel);
    SDL_SetTextureBlendMode(texture_, SDL_BLENDMODE_BLEND);
    SDL_FreeSurface(panel);
}

void TextOverlay::draw(const std::vector<std::string>& lines, Anchor anchor, int surfaceWidth,
                       int surfaceHeight, int margin, int left, int top)
{
    if (lines.empty())
        return;
    const int maxWidth = std::max(1, surfaceWidth - 2 * margin);
    const int maxHeight = std::max(1, surfaceHeight - 2 * margin);
    if (lines != lines_ || maxWidth != maxWidth_ || maxHeight != maxHeight_ || !texture_)
        rebuild(lines, maxWidth, maxHeight);
    if (!texture_)
        return;
    int x = margin, y = margin;
    switch (anchor) {
    case Anchor::TopLeft:
        break;
    case Anchor::TopRight:
        x = surfaceWidth - width_ - margin;
        break;
    case Anchor::BottomLeft:
        y = surfaceHeight - height_ - margin;
        break;
    case Anchor::Centre:
        x = (surfaceWidth - width_) / 2;
        y = (surfaceHeight - height_) / 2;
        break;
    }
    const SDL_Rect at{left + x, top + y, width_, height_};
    SDL_RenderCopy(renderer_, texture_, nullptr, &at);
}

int TextOverlay::panelHeight() const
{
    return std::max(1, TTF_FontLineSkip(font_)) + 2 * kPadding;
}

std::string findFont(const std::string& preferred)
{
    for (const std::string& path :
         {preferred, std::string("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"),
          std::string("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")})
        if (!path.empty() && std::filesystem::exists(path))
            return path;
    return {};
}

} // namespace pistream
