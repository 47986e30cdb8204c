#!/usr/bin/env python3
"""A real RTSP server for live_test (GStreamer's gst-rtsp-server through
python3-gi): serves a generated 320x240 30 fps stream (videotestsrc, JPEG over
RTP) at rtsp://127.0.0.1:PORT/test, TCP and UDP transport both offered; with
an MP4 file (H.264), also that file once, from its start for each client, at
its own pace, at rtsp://127.0.0.1:PORT/file.
usage: rtsp_server.py PORT [MP4]   (prints READY when it listens; runs until killed)"""
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

Gst.init(None)
server = GstRtspServer.RTSPServer()
server.set_address("127.0.0.1")
server.set_service(sys.argv[1])
factory = GstRtspServer.RTSPMediaFactory()
factory.set_launch("( videotestsrc is-live=true pattern=smpte ! video/x-raw,format=I420,width=320,height=240,framerate=30/1 "
                   "! jpegenc quality=80 ! rtpjpegpay name=pay0 pt=26 )")
factory.set_shared(True)
server.get_mount_points().add_factory("/test", factory)
if len(sys.argv) > 2:
    # qtdemux (gst-plugins-good) hands the H.264 on as it is stored (avc),
    # which rtph264pay takes; the parameter sets go in the SDP.
    loc = sys.argv[2].replace("\\", "\\\\").replace('"', '\\"')
    files = GstRtspServer.RTSPMediaFactory()
    files.set_launch(f'( filesrc location="{loc}" ! qtdemux ! rtph264pay name=pay0 pt=96 config-interval=-1 )')
    files.set_shared(False)
    server.get_mount_points().add_factory("/file", files)
if server.attach(None) == 0:
    sys.exit("rtsp_server: cannot listen")
print("READY", flush=True)
GLib.MainLoop().run()
