package io.comfyrun.fake.ws;

import io.netty.channel.Channel;
import io.netty.util.ReferenceCountUtil;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * One open WebSocket. Mutable fields are touched on the engine thread only.
 *
 * <p>Everything the server does to the socket after the handshake (frames, and the channel actions of
 * faults) goes through one outbound queue, drained by one event-loop task that writes everything
 * queued and flushes once. A broadcast step thus costs one task and one write syscall per socket
 * instead of one per frame, and a fault's close or raw write can never overtake frames queued before
 * it: the drain flushes the frames it wrote before running the action.
 */
public final class ClientSocket {

    /** A fault's operation on the channel, run in queue order on the channel's event loop. */
    private record ChannelAction(Consumer<Channel> action) { }

    private final String sid;
    private final Channel channel;
    private final String path;
    private final Queue<Object> outbound = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    boolean firstMessageSeen;
    volatile boolean supportsPreviewMetadata;
    /** Frames sent so far, for "at event N" faults. */
    long framesSent;
    /**
     * Set when a fault froze this socket (stall, half-close) or queued its end (FIN, RST, Close frame): nothing more
     * is written to it nor journalled as sent. Written on the engine thread, read there; volatile for readers elsewhere.
     */
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

    /** From now on nothing is written to this socket (stall, half-close and closing faults). */
    public void markStalled() {
        stalled = true;
    }

    public long framesSent() {
        return framesSent;
    }

    /** Queues a message (a WebSocket frame, or raw bytes below the frame encoder) for this socket. */
    public void send(Object message) {
        outbound.add(message);
        scheduleDrain();
    }

    /** Queues a channel operation behind every message queued so far; those are flushed before it runs. */
    public void then(Consumer<Channel> action) {
        outbound.add(new ChannelAction(action));
        scheduleDrain();
    }

    private void scheduleDrain() {
        if (drainScheduled.compareAndSet(false, true)) {
            channel.eventLoop().execute(this::drain);
        }
    }

    /** Event loop only. */
    private void drain() {
        do {
            boolean unflushed = false;
            Object o;
            while ((o = outbound.poll()) != null) {
                if (o instanceof ChannelAction a) {
                    if (unflushed) {
                        channel.flush();
                        unflushed = false;
                    }
                    a.action().accept(channel);
                } else if (channel.isActive()) {
                    channel.write(o, channel.voidPromise());
                    unflushed = true;
                } else {
                    ReferenceCountUtil.release(o); // the peer is gone; the real server drops these too
                }
            }
            if (unflushed) {
                channel.flush();
            }
            drainScheduled.set(false);
            // a message queued after the last poll but before the flag cleared would wait forever otherwise
        } while (!outbound.isEmpty() && drainScheduled.compareAndSet(false, true));
    }

    @Override
    public String toString() {
        return "ws[" + sid + " " + channel.remoteAddress() + "]";
    }
}
