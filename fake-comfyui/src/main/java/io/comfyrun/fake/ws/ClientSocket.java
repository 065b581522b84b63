package io.comfyrun.fake.ws;

import io.netty.channel.Channel;

/** One open WebSocket. Mutable fields are touched on the engine thread only. */
public final class ClientSocket {

    private final String sid;
    private final Channel channel;
    private final String path;
    boolean firstMessageSeen;
    volatile boolean supportsPreviewMetadata;
    /** Frames sent so far, for "at event N" faults. */
    long framesSent;
    /** Set when a stall fault froze this socket: it stays open and receives nothing. */
    volatile boolean stalled;

    public ClientSocket(String sid, Channel channel, String path) {
        this.sid = sid;
        this.channel = channel;
        this.path = path;
    }

    public String sid() {
        return sid;
    }

    public Channel channel() {
        return channel;
    }

    public String path() {
        return path;
    }

    public boolean supportsPreviewMetadata() {
        return supportsPreviewMetadata;
    }

    /** From now on nothing is written to this socket (stall and half-close faults). */
    public void markStalled() {
        stalled = true;
    }

    public long framesSent() {
        return framesSent;
    }

    @Override
    public String toString() {
        return "ws[" + sid + " " + channel.remoteAddress() + "]";
    }
}
