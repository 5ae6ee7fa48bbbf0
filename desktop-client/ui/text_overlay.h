#pragma once

#include <string>
#include <vector>

struct SDL_Renderer;
struct SDL_Texture;
typedef struct _TTF_Font TTF_Font;

namespace pistream {

// Lines of text drawn over the picture (SDL2_ttf) on a translucent panel. The
// text is rendered into a texture only when it changes.
class TextOverlay {
public:
    // Throws std::runtime_error if the font cannot be opened.
    TextOverlay(SDL_Renderer* renderer, const std::string& fontPath, int pointSize);
    ~TextOverlay();
    TextOverlay(const TextOverlay&) = delete;
    TextOverlay& operator=(const TextOverlay&) = delete;

    enum class Anchor { TopLeft, TopRight, BottomLeft, Centre };

    // Draws `lines` on a panel placed at `anchor` of a surface of the given
    // size, `margin` pixels in from its edges. Lines wider than the surface
    // are wrapped (wrapText), and what does not fit in its height is cut
    // with "...", so nothing is drawn outside a small window. The surface
    // starts at (left, top) of the renderer: a wall's tile.
    void draw(const std::vector<std::string>& lines, Anchor anchor, int surfaceWidth,
              int surfaceHeight, int margin = 8, int left = 0, int top = 0);

    // The panel's height for one line of text: what a row of text needs.
    int panelHeight() const;

private:
    void rebuild(const std::vector<std::string>& lines, int maxWidth, int maxHeight);

    SDL_Renderer* renderer_;
    TTF_Font* font_ = nullptr;
    SDL_Texture* texture_ = nullptr;
    int width_ = 0;
    int height_ = 0;
    std::vector<std::string> lines_;
    int maxWidth_ = 0; // the box the texture was made for
    int maxHeight_ = 0;
};

// The first usable font of: `preferred`, then DejaVu Sans Mono and DejaVu Sans
// from fonts-dejavu-core. Empty if none exists.
std::string findFont(const std::string& preferred);

} // namespace pistream
