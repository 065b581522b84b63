package io.comfyrun.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.comfyrun.fake.FakeComfyUI;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler.ClientHandshakeStateEvent;
import io.netty.util.concurrent.DefaultThreadFactory;
import okhttp3.OkHttpClient;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The fake server's fan-out: {@code clients} WebSockets, a prompt posted without a client_id so that ComfyUI
 * broadcasts {@code progress} to every socket; counts the progress frames the clients received per second.
 * Journal frame recording and previews are off: this measures the server's delivery, not its bookkeeping.
 *
 * <p>The receiving side is deliberately cheap (Netty clients on one event-loop thread that only look at each frame's
 * first bytes): the fake and its clients share this machine's two cores, and a client that spends more CPU per frame
 * than the server would measure itself instead of the server. Its CPU is reported beside the fake's.
 */
final class FakeBroadcast {

    private static final byte[] PROGRESS = "{\"type\": \"progress\",".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PROGRESS_STATE = "{\"type\": \"progress_state\",".getBytes(StandardCharsets.US_ASCII);

    private FakeBroadcast() {
    }

    /**
     * Returns {progress frames received, seconds from first to last, frames/s, complete (1/0), progress_state frames,
     * CPU ms of the fake's threads, CPU ms of the client threads}.
     */
    static double[] progressPerSecond(Workflows wf, OkHttpClient http, int clients, int steps) throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("fanout-client", true),
                NioIoHandler.newFactory());
        try (FakeComfyUI fake = FakeComfyUI.builder().port(0).timeScale(1_000_000).previews(false).seed(1).start()) {
            fake.journal().recordFrames(false);
            fake.scenario().stepsPerSecond("KSampler", 1_000_000);
            AtomicLong received = new AtomicLong();
            AtomicLong states = new AtomicLong();
            AtomicLong first = new AtomicLong();
            AtomicLong last = new AtomicLong();
            long expected = (long) clients * steps;
            CountDownLatch all = new CountDownLatch(1);
            CountDownLatch open = new CountDownLatch(clients);
            List<Channel> channels = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                URI uri = URI.create(fake.wsUrl("fan-" + i).toString());
                Bootstrap b = new Bootstrap().group(group).channel(NioSocketChannel.class)
                        .handler(new ChannelInitializer<SocketChannel>() {
                            @Override
                            protected void initChannel(SocketChannel ch) {
                                ch.pipeline()
                                        .addLast(new HttpClientCodec())
                                        .addLast(new HttpObjectAggregator(64 * 1024))
                                        .addLast(new WebSocketClientProtocolHandler(WebSocketClientProtocolConfig
                                                .newBuilder().webSocketUri(uri).maxFramePayloadLength(1 << 20).build()))
                                        .addLast(new SimpleChannelInboundHandler<TextWebSocketFrame>() {
                                            @Override
                                            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                                                if (evt == ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
                                                    open.countDown();
                                                }
                                                ctx.fireUserEventTriggered(evt);
                                            }

                                            @Override
                                            protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame f) {
                                                ByteBuf c = f.content();
                                                if (startsWith(c, PROGRESS_STATE)) {
                                                    states.incrementAndGet();
                                                } else if (startsWith(c, PROGRESS)) {
                                                    long now = System.nanoTime();
                                                    first.compareAndSet(0, now);
                                                    last.set(now);
                                                    if (received.incrementAndGet() >= expected) {
                                                        all.countDown();
                                                    }
                                                }
                                            }
                                        });
                            }
                        });
                channels.add(b.connect(uri.getHost(), uri.getPort()).sync().channel());
            }
            if (!open.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("not all " + clients + " sockets opened within 30 s");
            }
            long[] cpuBefore = cpuByGroup();
            ObjectNode graph = Workflows.variant(wf.txt2img, 7);
            ((ObjectNode) graph.path("3").path("inputs")).put("steps", steps);
            ObjectNode body = Workflows.JSON.createObjectNode();
            body.set("prompt", graph); // no client_id: progress goes to every socket
            Workflows.call(http, "POST", fake.baseUrl().toString().replaceAll("/$", "") + "/prompt", body.toString());
            boolean complete = all.await(120, TimeUnit.SECONDS);
            long[] cpuAfter = cpuByGroup();
            channels.forEach(Channel::close);
            double secs = (last.get() - first.get()) / 1e9;
            return new double[]{received.get(), secs, secs > 0 ? received.get() / secs : 0, complete ? 1 : 0,
                    states.get(), (cpuAfter[0] - cpuBefore[0]) / 1e6, (cpuAfter[1] - cpuBefore[1]) / 1e6};
        } finally {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    private static boolean startsWith(ByteBuf buf, byte[] prefix) {
        if (buf.readableBytes() < prefix.length) {
            return false;
        }
        int at = buf.readerIndex();
        for (int i = 0; i < prefix.length; i++) {
            if (buf.getByte(at + i) != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    /** CPU nanoseconds used so far by the fake's threads and by the fan-out client threads of this JVM. */
    private static long[] cpuByGroup() {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        long fake = 0;
        long client = 0;
        for (java.lang.management.ThreadInfo ti : mx.getThreadInfo(mx.getAllThreadIds())) {
            if (ti == null) {
                continue;
            }
            long cpu = Math.max(0, mx.getThreadCpuTime(ti.getThreadId()));
            if (ti.getThreadName().startsWith("fake-comfyui")) {
                fake += cpu;
            } else if (ti.getThreadName().startsWith("fanout-client")) {
                client += cpu;
            }
        }
        return new long[]{fake, client};
    }
}
