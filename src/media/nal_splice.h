// Splicing re-encoded H.264/HEVC access units into a copied stream (smart
// cut): the copied packets use the stream's NAL framing (length-prefixed
// with an avcC/hvcC header, or Annex B start codes), the encoder writes
// Annex B with its own parameter sets in band. Pure byte work.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace qv {

struct NalFraming {
    int lengthSize = 0;               // 0: Annex B; else 1..4 byte NAL lengths
    std::vector<uint8_t> paramSets;   // the extradata's parameter sets, in this framing
};

// From a stream's codec (true: HEVC, false: H.264) and extradata.
NalFraming nalFraming(bool hevc, const uint8_t *extra, size_t size);

// Annex B (start codes) to this framing (unchanged when Annex B).
std::vector<uint8_t> toFraming(const NalFraming &f, const uint8_t *data, size_t size);

} // namespace qv
