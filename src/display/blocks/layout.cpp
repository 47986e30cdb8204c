#include "layout.h"

#include <cmath>

namespace qv::term {

CellLayout fitPicture(const StreamSpec &s, int termCols, int picRows, int xpix, int ypix,
                      int termRows) {
    CellLayout l;
    if (termCols <= 0 || picRows <= 0 || s.width <= 0 || s.height <= 0) return l;
    double sar = s.sarDen > 0 && s.sarNum > 0 ? double(s.sarNum) / s.sarDen : 1.0;
    double dar = s.width * sar / s.height;
    if (swapsAxes(s.orientation)) dar = 1.0 / dar;
    // Width/height of one half-cell "pixel".
    double px = 1.0;
    if (xpix > 0 && ypix > 0 && termRows > 0) {
        double cellW = double(xpix) / termCols, cellH = double(ypix) / termRows;
        px = cellW / (cellH / 2.0);
    }
    const int maxW = termCols, maxH = picRows * 2;
    int w = static_cast<int>(std::lround(maxH * dar / px));
    int h = maxH;
    if (w > maxW) {
        w = maxW;
        h = static_cast<int>(std::lround(maxW * px / dar));
    }
    if (w < 1) w = 1;
    if (h < 2) h = 2;
    l.cols = w;
    l.rows = (h + 1) / 2;
    if (l.rows > picRows) l.rows = picRows;
    l.col0 = 1 + (termCols - l.cols) / 2;
    l.row0 = 1 + (picRows - l.rows) / 2;
    return l;
}

} // namespace qv::term
