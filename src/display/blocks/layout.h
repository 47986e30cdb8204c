// Where the picture goes in the terminal: aspect-correct fit (SAR, rotation,
// the cell's own aspect), centred. Pure.
#pragma once

#include "qv/media/stream_spec.h"

namespace qv::term {

struct CellLayout {
    int cols = 0, rows = 0;   // picture size in cells (pixels: cols x 2*rows)
    int row0 = 1, col0 = 1;   // 1-based top-left cell
};

// termCols x picRows cells are free for the picture; xpix/ypix: the
// terminal's pixel size (0: unknown, assume cells twice as high as wide).
CellLayout fitPicture(const StreamSpec &spec, int termCols, int picRows, int xpix, int ypix,
                      int termRows);

} // namespace qv::term
