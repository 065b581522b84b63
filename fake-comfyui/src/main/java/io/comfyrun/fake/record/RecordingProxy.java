package io.comfyrun.fake.record;

import io.comfyrun.fake.json.PythonJson;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * {@code fake-comfyui record}: a transparent proxy (HTTP and the WebSocket) in front of a ComfyUI, real or fake, that
 * writes what its clients saw as a session file the fake replays ({@code --scenario session.json}). Netty serves the
 * client side; the JDK's HTTP and WebSocket clients talk to the upstream.
 *
 * <pre>{@code
 * try (RecordingProxy proxy = RecordingProxy.start(URI.create("http://gpu-box:8188"), "127.0.0.1", 0,
 *         Path.of("session.json"))) {
 *     ... run the workflows against proxy.baseUrl() ...
 * }
 * }</pre>
 */
public final class RecordingProxy implements AutoCloseable {

    private static final Set<String> HOP_HEADERS = Set.of("host", "connection", "content-length", "upgrade",
            "expect", "keep-alive", "transfer-encoding", "te", "trailer", "proxy-connection", "http2-settings");
    private static final int MAX_BODY = 110 * 1024 * 1024;

    private final URI upstream;
    private final String base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final SessionRecorder recorder;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Channel server;
    private final String host;

    private RecordingProxy(URI upstream, String host, int port, Path out) throws InterruptedException {
        this.upstream = upstream;
        this.base = upstream.toString().replaceAll("/+$", "");
        this.host = host;
        this.recorder = new SessionRecorder(upstream, out, http);
        boss = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("fake-comfyui-record-accept", true),
                NioIoHandler.newFactory());
        workers = new MultiThreadIoEventLoopGroup(2, new DefaultThreadFactory("fake-comfyui-record-io", true),
                NioIoHandler.newFactory());
        server = new ServerBootstrap().group(boss, workers).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec()).addLast(new HttpObjectAggregator(MAX_BODY))
                                .addLast(new ClientConnection());
                    }
                }).bind(host, port).sync().channel();
    }

    /**
     * Fetches the upstream's {@code /object_info} (so the session holds its node catalogue), then listens.
     *
     * @param out the session file, rewritten after each completed run; null to keep it in memory only
     * @throws IOException when the upstream does not answer
     */
    public static RecordingProxy start(URI upstream, String host, int port, Path out)
            throws IOException, InterruptedException {
        RecordingProxy p = new RecordingProxy(upstream, host, port, out);
        try {
            HttpResponse<byte[]> info = p.http.send(HttpRequest.newBuilder(URI.create(p.base + "/object_info"))
                    .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofByteArray());
            if (info.statusCode() != 200) {
                throw new IOException("GET " + p.base + "/object_info answered " + info.statusCode());
            }
            p.recorder.objectInfo(PythonJson.parse(info.body()));
        } catch (IOException e) {
            p.close();
            throw new IOException("the upstream ComfyUI " + upstream + " cannot be recorded: " + e.getMessage(), e);
        } catch (InterruptedException | RuntimeException e) {
            p.close();
            throw e;
        }
        return p;
    }

    public URI baseUrl() {
        int port = ((InetSocketAddress) server.localAddress()).getPort();
        String h = "0.0.0.0".equals(host) ? "127.0.0.1" : host;
        return URI.create("http://" + h + ":" + port);
    }

    public URI upstream() {
        return upstream;
    }

    /** Runs recorded completely (frames, history and file sizes), so far. */
    public int completedRecordings() {
        return recorder.completed();
    }

    /** The session as it stands: the upstream's object_info and the completed recordings. */
    public com.fasterxml.jackson.databind.node.ObjectNode session() {
        return recorder.session();
    }

    @Override
    public void close() {
        server.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        boss.terminationFuture().awaitUninterruptibly(5, TimeUnit.SECONDS);
        workers.terminationFuture().awaitUninterruptibly(5, TimeUnit.SECONDS);
        recorder.close();
    }

    /** One client connection: HTTP requests forwarded, or, once upgraded, a WebSocket bridged to the upstream's. */
    private final class ClientConnection extends ChannelInboundHandlerAdapter {
        // Touched on this channel's event loop only, except "upstreamSocket" and "pending", guarded by "this".
        private WebSocketServerHandshaker handshaker;
        private WebSocket upstreamSocket;
        private final List<String> pending = new ArrayList<>();
        private String sid;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof FullHttpRequest req) {
                    if ("websocket".equalsIgnoreCase(req.headers().get(HttpHeaderNames.UPGRADE))) {
                        upgrade(ctx, req);
                    } else {
                        forward(ctx, req);
                    }
                } else if (msg instanceof WebSocketFrame frame) {
                    fromClient(ctx, frame);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void forward(ChannelHandlerContext ctx, FullHttpRequest req) {
            byte[] body = ByteBufUtil.getBytes(req.content());
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + req.uri()))
                    .timeout(Duration.ofMinutes(10))
                    .method(req.method().name(), body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofByteArray(body));
            req.headers().forEach(h -> {
                if (!HOP_HEADERS.contains(h.getKey().toLowerCase(Locale.ROOT))) {
                    b.header(h.getKey(), h.getValue());
                }
            });
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            String path = req.uri().split("\\?")[0];
            boolean isPrompt = req.method().name().equals("POST") && (path.endsWith("/prompt"));
            http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofByteArray()).whenComplete((res, err) -> {
                FullHttpResponse answer;
                if (err != null) {
                    answer = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.BAD_GATEWAY,
                            Unpooled.copiedBuffer(("fake-comfyui record: upstream " + upstream + " failed: "
                                    + err.getMessage()).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
                } else {
                    if (isPrompt && res.statusCode() == 200) {
                        recorder.promptQueued(body, res.body());
                    }
                    answer = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                            HttpResponseStatus.valueOf(res.statusCode()), Unpooled.wrappedBuffer(res.body()));
                    res.headers().map().forEach((k, vs) -> {
                        if (!HOP_HEADERS.contains(k.toLowerCase(Locale.ROOT)) && !k.startsWith(":")) {
                            answer.headers().add(k, vs);
                        }
                    });
                }
                HttpUtil.setContentLength(answer, answer.content().readableBytes());
                HttpUtil.setKeepAlive(answer, keepAlive);
                ctx.channel().eventLoop().execute(() -> {
                    var f = ctx.writeAndFlush(answer);
                    if (!keepAlive) {
                        f.addListener(ChannelFutureListener.CLOSE);
                    }
                });
            });
        }

        private void upgrade(ChannelHandlerContext ctx, FullHttpRequest req) {
            String uri = req.uri();
            handshaker = new WebSocketServerHandshakerFactory("ws://" + req.headers().get(HttpHeaderNames.HOST) + uri,
                    null, true, 64 * 1024 * 1024).newHandshaker(req);
            if (handshaker == null) {
                WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel());
                return;
            }
            int q = uri.indexOf("clientId=");
            sid = q < 0 ? "no-client-id-" + ctx.channel().id().asShortText()
                    : java.net.URLDecoder.decode(uri.substring(q + 9).split("&")[0],
                            java.nio.charset.StandardCharsets.UTF_8);
            Channel ch = ctx.channel();
            handshaker.handshake(ch, req);
            http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
                    .buildAsync(URI.create(base.replaceFirst("^http", "ws") + uri), new WebSocket.Listener() {
                        private final StringBuilder text = new StringBuilder();
                        private java.io.ByteArrayOutputStream bin = new java.io.ByteArrayOutputStream();

                        @Override
                        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                            text.append(data);
                            if (last) {
                                String t = text.toString();
                                text.setLength(0);
                                recorder.text(sid, t, System.nanoTime());
                                ch.writeAndFlush(new TextWebSocketFrame(t));
                            }
                            ws.request(1);
                            return null;
                        }

                        @Override
                        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
                            byte[] chunk = new byte[data.remaining()];
                            data.get(chunk);
                            bin.writeBytes(chunk);
                            if (last) {
                                byte[] frame = bin.toByteArray();
                                bin = new java.io.ByteArrayOutputStream();
                                recorder.binary(sid, frame, System.nanoTime());
                                ch.writeAndFlush(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(frame)));
                            }
                            ws.request(1);
                            return null;
                        }

                        @Override
                        public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
                            ch.writeAndFlush(new CloseWebSocketFrame(status, reason))
                                    .addListener(ChannelFutureListener.CLOSE);
                            return null;
                        }

                        @Override
                        public void onError(WebSocket ws, Throwable error) {
                            ch.close();
                        }
                    }).whenComplete((ws, err) -> {
                        if (err != null) {
                            ch.writeAndFlush(new CloseWebSocketFrame(1011, "upstream unreachable"))
                                    .addListener(ChannelFutureListener.CLOSE);
                            return;
                        }
                        synchronized (this) {
                            upstreamSocket = ws;
                            pending.forEach(t -> ws.sendText(t, true).join());
                            pending.clear();
                        }
                    });
        }

        private void fromClient(ChannelHandlerContext ctx, WebSocketFrame frame) {
            if (frame instanceof CloseWebSocketFrame close) {
                handshaker.close(ctx.channel(), close.retain());
                WebSocket ws;
                synchronized (this) {
                    ws = upstreamSocket;
                }
                if (ws != null) {
                    ws.sendClose(WebSocket.NORMAL_CLOSURE, "client closed");
                }
            } else if (frame instanceof PingWebSocketFrame ping) {
                ctx.writeAndFlush(new PongWebSocketFrame(ping.content().retain()));
            } else if (frame instanceof TextWebSocketFrame t) {
                String text = t.text();
                synchronized (this) {
                    if (upstreamSocket == null) {
                        pending.add(text);
                    } else {
                        upstreamSocket.sendText(text, true).join();
                    }
                }
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            WebSocket ws;
            synchronized (this) {
                ws = upstreamSocket;
            }
            if (ws != null) {
                ws.abort();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
