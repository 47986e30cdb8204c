// The packet index as the navigator and the trick-play walker ask it.
#pragma once

#include "qv/media/packet_index.h"
#include "qv/pipeline/navigator.h"

#include <memory>

namespace qv {

class IndexView final : public FrameIndex {
public:
    void set(std::shared_ptr<const PacketIndex> i) { idx_ = std::move(i); }
    const PacketIndex *get() const { return idx_.get(); }
    const std::shared_ptr<const PacketIndex> &shared() const { return idx_; }
    int64_t frameCount() const override { return idx_->frameCount(); }
    int64_t ptsNsOf(int64_t o) const override { return idx_->ptsNsOf(o); }
    int64_t ordinalAt(int64_t ns) const override { return idx_->ordinalAt(ns); }
    int64_t prevKey(int64_t o) const override { return idx_->prevKey(o); }
    int64_t nextKey(int64_t o) const override { return idx_->nextKey(o); }
    int64_t firstOrdinal() const override { return idx_->firstOrdinal(); }

private:
    std::shared_ptr<const PacketIndex> idx_;
};

} // namespace qv
