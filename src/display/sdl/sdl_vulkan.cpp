#include "sdl_vulkan.h"

#include "qv/core/log.h"
#include "sdl_util.h"

#include <SDL.h>
#include <SDL_vulkan.h>

namespace qv {

SdlVulkanWindow::~SdlVulkanWindow() { close(); }

Result<void> SdlVulkanWindow::open(const std::string &title, int x, int y, int w, int h) {
    if (!sdlInitVideo()) return Error::make(ErrorKind::Display, std::string("vulkan: SDL cannot open a window: ") + SDL_GetError());
    videoInit_ = true;
    window_ = SDL_CreateWindow(title.c_str(), x, y, w, h, SDL_WINDOW_VULKAN | SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI);
    if (!window_)
        return Error::make(ErrorKind::Display, std::string("vulkan: SDL cannot create a Vulkan window: ") + SDL_GetError());
    return {};
}

std::vector<std::string> SdlVulkanWindow::instanceExtensions() const {
    unsigned n = 0;
    std::vector<std::string> out;
    if (!window_ || !SDL_Vulkan_GetInstanceExtensions(window_, &n, nullptr)) return out;
    std::vector<const char *> names(n);
    if (n && SDL_Vulkan_GetInstanceExtensions(window_, &n, names.data()))
        for (unsigned i = 0; i < n; ++i) out.emplace_back(names[i]);
    return out;
}

Result<void> SdlVulkanWindow::createSurface(VkInstance instance, VkSurfaceKHR *surface) const {
    if (!SDL_Vulkan_CreateSurface(window_, instance, surface))
        return Error::make(ErrorKind::Display, std::string("vulkan: SDL cannot make a Vulkan surface: ") + SDL_GetError());
    return {};
}

std::string SdlVulkanWindow::driver() const {
    const char *d = SDL_GetCurrentVideoDriver();
    return d ? d : "?";
}

void SdlVulkanWindow::drawableSize(int &w, int &h) const {
    w = h = 0;
    if (window_) SDL_Vulkan_GetDrawableSize(window_, &w, &h);
}

void SdlVulkanWindow::close() {
    if (window_) SDL_DestroyWindow(window_);
    window_ = nullptr;
    if (videoInit_) SDL_QuitSubSystem(SDL_INIT_VIDEO);
    videoInit_ = false;
}

bool sdlSetFullscreen(SDL_Window *w, bool on) {
    if (SDL_SetWindowFullscreen(w, on ? SDL_WINDOW_FULLSCREEN_DESKTOP : 0) == 0) return true;
    log::warn("fullscreen: %s", SDL_GetError());
    return false;
}

void sdlSetTitle(SDL_Window *w, const char *title) { SDL_SetWindowTitle(w, title); }
std::string sdlError() { return SDL_GetError(); }
void sdlQuitVideo() { SDL_QuitSubSystem(SDL_INIT_VIDEO); }

} // namespace qv
