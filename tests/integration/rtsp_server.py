#!/usr/bin/env python3
"""A real RTSP server for live_test (GStreamer's gst-rtsp-server through
python3-gi): serves a generated 320x240 30 fps stream (videotestsrc, JPEG over
RTP) at rtsp://127.0.0.1:PORT/test, TCP and UDP transport both offered; with
an MP4 file (H.264), also that file once, from its start for each client, at
its own pace, at rtsp://127.0.0.1:PORT/file. With --av=MP4 (H.264 and
AAC), that file with its sound (RFC 3640, mpeg4-generic) at
rtsp://127.0.0.1:PORT/av. With --auth=digest or --auth=basic every mount
asks for the user qv, password s3cret, in that scheme.
usage: rtsp_server.py PORT [MP4] [--av=MP4] [--auth=digest|basic]   (prints READY when it listens; runs until killed)"""
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
gi.require_version("GstRtsp", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402

Gst.init(None)
auth_scheme = next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--auth=")), None)
av_file = next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--av=")), None)
sys.argv = [a for a in sys.argv if not a.startswith("--auth=") and not a.startswith("--av=")]
server = GstRtspServer.RTSPServer()
permissions = None
if auth_scheme:
    auth = GstRtspServer.RTSPAuth()
    token = GstRtspServer.RTSPToken()
    token.set_string(GstRtspServer.RTSP_TOKEN_MEDIA_FACTORY_ROLE, "user")
    if auth_scheme == "digest":
        auth.add_digest("qv", "s3cret", token)
        auth.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)
    else:
        auth.add_basic(GstRtspServer.RTSPAuth.make_basic("qv", "s3cret"), token)
        auth.set_supported_methods(GstRtsp.RTSPAuthMethod.BASIC)
    server.set_auth(auth)
    permissions = GstRtspServer.RTSPPermissions()
    permissions.add_role("user")
    permissions.add_permission_for_role("user", GstRtspServer.RTSP_PERM_MEDIA_FACTORY_ACCESS, True)
    permissions.add_permission_for_role("user", GstRtspServer.RTSP_PERM_MEDIA_FACTORY_CONSTRUCT, True)
server.set_address("127.0.0.1")
server.set_service(sys.argv[1])
factory = GstRtspServer.RTSPMediaFactory()
factory.set_launch("( videotestsrc is-live=true pattern=smpte ! video/x-raw,format=I420,width=320,height=240,framerate=30/1 "
                   "! jpegenc quality=80 ! rtpjpegpay name=pay0 pt=26 )")
factory.set_shared(True)
if permissions:
    factory.set_permissions(permissions)
server.get_mount_points().add_factory("/test", factory)
if len(sys.argv) > 2:
    # qtdemux (gst-plugins-good) hands the H.264 on as it is stored (avc),
    # which rtph264pay takes; the parameter sets go in the SDP.
    loc = sys.argv[2].replace("\\", "\\\\").replace('"', '\\"')
    files = GstRtspServer.RTSPMediaFactory()
    files.set_launch(f'( filesrc location="{loc}" ! qtdemux ! rtph264pay name=pay0 pt=96 config-interval=-1 )')
    files.set_shared(False)
    if permissions:
        files.set_permissions(permissions)
    server.get_mount_points().add_factory("/file", files)
if av_file:
    loc = av_file.replace("\\", "\\\\").replace('"', '\\"')
    av = GstRtspServer.RTSPMediaFactory()
    av.set_launch(f'( filesrc location="{loc}" ! qtdemux name=d d.video_0 ! queue ! rtph264pay name=pay0 pt=96 '
                  f'config-interval=-1 d.audio_0 ! queue ! rtpmp4gpay name=pay1 pt=97 )')
    av.set_shared(False)
    server.get_mount_points().add_factory("/av", av)
if server.attach(None) == 0:
    sys.exit("rtsp_server: cannot listen")
print("READY", flush=True)
GLib.MainLoop().run()
