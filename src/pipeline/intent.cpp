#include "qv/pipeline/intent.h"

namespace qv {

Intent intentForCommand(tui::Command c) {
    using C = tui::Command;
    Intent i;
    auto seek = [&](double s, SeekMode m) {
        i.kind = IntentKind::SeekRelative;
        i.value = s;
        i.mode = m;
    };
    switch (c) {
    case C::None: break;
    case C::Quit: i.kind = IntentKind::Quit; break;
    case C::TogglePause: i.kind = IntentKind::TogglePause; break;
    case C::StepForward: i.kind = IntentKind::StepForward; break;
    case C::StepBack: i.kind = IntentKind::StepBack; break;
    case C::SeekBack: seek(-5, SeekMode::Default); break;
    case C::SeekForward: seek(5, SeekMode::Default); break;
    case C::SeekBackLong: seek(-60, SeekMode::Default); break;
    case C::SeekForwardLong: seek(60, SeekMode::Default); break;
    case C::SeekBackExact: seek(-1, SeekMode::Exact); break;
    case C::SeekForwardExact: seek(1, SeekMode::Exact); break;
    case C::PrevKeyframe: i.kind = IntentKind::PrevKeyframe; break;
    case C::NextKeyframe: i.kind = IntentKind::NextKeyframe; break;
    case C::FirstFrame: i.kind = IntentKind::FirstFrame; break;
    case C::LastFrame: i.kind = IntentKind::LastFrame; break;
    case C::GotoFrame: i.kind = IntentKind::GotoPrompt; break;
    case C::Screenshot: i.kind = IntentKind::Screenshot; break;
    case C::SpeedDown:
        i.kind = IntentKind::SpeedStep;   // x1.1 steps, halving above 4x (trick.h)
        i.value = -1;
        break;
    case C::SpeedUp:
        i.kind = IntentKind::SpeedStep;
        i.value = 1;
        break;
    case C::SpeedHalve:
        i.kind = IntentKind::SpeedScale;
        i.value = 0.5;
        break;
    case C::SpeedDouble:
        i.kind = IntentKind::SpeedScale;
        i.value = 2;
        break;
    case C::SpeedReset: i.kind = IntentKind::SpeedReset; break;
    case C::Reverse: i.kind = IntentKind::SpeedReverse; break;
    case C::ToggleStatus: i.kind = IntentKind::ToggleStatus; break;
    case C::VolumeDown:
        i.kind = IntentKind::VolumeAdd;
        i.value = -10;
        break;
    case C::VolumeUp:
        i.kind = IntentKind::VolumeAdd;
        i.value = 10;
        break;
    case C::Mute: i.kind = IntentKind::MuteToggle; break;
    case C::Fullscreen: i.kind = IntentKind::Fullscreen; break;
    case C::MarkIn: i.kind = IntentKind::MarkIn; break;
    case C::MarkOut: i.kind = IntentKind::MarkOut; break;
    case C::Export: i.kind = IntentKind::Export; break;
    case C::ExportStills:
        i.kind = IntentKind::Export;
        i.flag = true;   // PNG stills
        break;
    }
    return i;
}

} // namespace qv
