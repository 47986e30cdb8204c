// SdlVulkanWindow: an SDL2 window made for a Vulkan surface (the vulkan
// display's window output). SDL is called only in the sdl back-end's folder;
// this is the vulkan display's way to it. Display thread only.
#pragma once

#include "qv/core/result.h"

#include <vulkan/vulkan.h>

#include <string>
#include <vector>

struct SDL_Window;

namespace qv {

class SdlVulkanWindow {
public:
    ~SdlVulkanWindow();
    Result<void> open(const std::string &title, int x, int y, int w, int h);
    SDL_Window *window() const { return window_; }
    std::vector<std::string> instanceExtensions() const;
    Result<void> createSurface(VkInstance instance, VkSurfaceKHR *surface) const;
    std::string driver() const;
    void drawableSize(int &w, int &h) const;
    void close();

private:
    SDL_Window *window_ = nullptr;
    bool videoInit_ = false;
};

// Small SDL window helpers for displays outside this folder.
bool sdlSetFullscreen(SDL_Window *w, bool on);
void sdlSetTitle(SDL_Window *w, const char *title);
std::string sdlError();
void sdlQuitVideo();

} // namespace qv
