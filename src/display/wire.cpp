#include "qv/display/wire.h"

#include <algorithm>

namespace qv {

std::shared_ptr<WirePool> WirePool::make(size_t count) {
    auto p = std::make_shared<WirePool>();
    p->all_.reserve(count);
    p->free_.reserve(count);
    for (size_t i = 0; i < count; ++i) {
        p->all_.push_back(std::make_unique<Wire>());
        p->all_.back()->bytes.reserve(64 * 1024);
        p->all_.back()->segs.reserve(64);
        p->free_.push_back(p->all_.back().get());
    }
    return p;
}

AttachmentPtr WirePool::take() {
    std::lock_guard<std::mutex> lk(m_);
    if (free_.empty()) return {};
    Wire *w = free_.back();
    free_.pop_back();
    w->clear();
    w->bytes.reserve(bytes_);
    w->cells.reserve(cells_);
    w->pool_ = shared_from_this();   // the pool outlives every wire out of it
    return AttachmentPtr(w);
}

void WirePool::reserve(size_t bytes, size_t cells) {
    std::lock_guard<std::mutex> lk(m_);
    bytes_ = std::max(bytes_, bytes);
    cells_ = std::max(cells_, cells);
    for (Wire *w : free_) {
        w->bytes.reserve(bytes_);
        w->cells.reserve(cells_);
    }
}

void WirePool::put(Wire *w) {
    // A wire that reached the display and was never written: its bytes
    // still have to reach the terminal before the next diff. Told outside
    // the lock (the sink copies; take() on the encode thread must not
    // wait for that); the wire is not free until after.
    WireDropSink *sink = nullptr;
    {
        std::lock_guard<std::mutex> lk(m_);
        sink = sink_;
    }
    if (w->reached && !w->written && sink) sink->dropped(*w);
    std::shared_ptr<WirePool> keep;
    {
        std::lock_guard<std::mutex> lk(m_);
        free_.push_back(w);
        keep.swap(w->pool_);
    }
}

void Wire::release() {
    if (pool_) pool_->put(this);
}

} // namespace qv
