package io.comfyrun.fake.transport;

import io.comfyrun.fake.api.ApiRequest;
import io.comfyrun.fake.api.HttpReply;
import io.comfyrun.fake.journal.Journal;
import io.comfyrun.fake.journal.JournalEntry.Kind;
import io.comfyrun.fake.ws.ClientSocket;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.multipart.Attribute;
import io.netty.handler.codec.http.multipart.DefaultHttpDataFactory;
import io.netty.handler.codec.http.multipart.FileUpload;
import io.netty.handler.codec.http.multipart.HttpPostRequestDecoder;
import io.netty.handler.codec.http.multipart.InterfaceHttpData;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One TCP connection: HTTP requests until it upgrades to a WebSocket, then WebSocket frames. Netty does
 * all parsing and framing; this class only decodes requests into {@link ApiRequest} and dispatches.
 */
final class ConnectionHandler extends ChannelInboundHandlerAdapter {

    static final int MAX_INBOUND_WS_MESSAGE = 4 * 1024 * 1024;
    private static final AtomicLong CONNECTIONS = new AtomicLong();

    private final ServerHandlers handlers;
    private final Journal journal;
    private final FrontDoor door;
    private final String connection = "http#" + CONNECTIONS.incrementAndGet();
    private WebSocketServerHandshaker handshaker;
    private ClientSocket socket;

    ConnectionHandler(ServerHandlers handlers, Journal journal, FrontDoor door) {
        this.handlers = handlers;
        this.journal = journal;
        this.door = door;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof FullHttpRequest req) {
                onHttp(ctx, req);
            } else if (msg instanceof WebSocketFrame frame) {
                onFrame(ctx, frame);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onHttp(ChannelHandlerContext ctx, FullHttpRequest req) {
        ApiRequest wire = decode(req);
        // headers are never journalled: they may carry a credential
        journal.record(Kind.HTTP_REQUEST, connection, wire.method(), wire.uri(), 0, null,
                wire.files() != null ? "multipart " + wire.form() + " files " + wire.files().size()
                        : new String(wire.body(), StandardCharsets.UTF_8));
        FrontDoor.Verdict verdict = door.check(wire);
        if (verdict instanceof FrontDoor.Verdict.Unauthorized u) {
            journal.record(Kind.HTTP_RESPONSE, connection, wire.method(), wire.uri(), 401, null, "refused: " + u.why());
            new HttpExchange(ctx, wire, HttpUtil.isKeepAlive(req)).respond(HttpReply.text(401, "401: Unauthorized"));
            return;
        }
        if (verdict instanceof FrontDoor.Verdict.Outside) {
            journal.record(Kind.HTTP_RESPONSE, connection, wire.method(), wire.uri(), 404, null,
                    "outside the base path " + door.basePath());
            new HttpExchange(ctx, wire, HttpUtil.isKeepAlive(req)).respond(HttpReply.notFound());
            return;
        }
        ApiRequest api = ((FrontDoor.Verdict.Pass) verdict).request();
        String route = api.route();
        if ("GET".equals(api.method()) && "/ws".equals(route)) {
            boolean upgrade = req.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)
                    && "websocket".equalsIgnoreCase(req.headers().get(HttpHeaderNames.UPGRADE));
            if (!upgrade) {
                new HttpExchange(ctx, api, HttpUtil.isKeepAlive(req))
                        .respond(HttpReply.text(400, "No WebSocket UPGRADE hdr"));
                return;
            }
            Integer refused = handlers.refuseUpgrade(api);
            if (refused != null) {
                journal.record(Kind.HTTP_RESPONSE, connection, api.method(), api.uri(), refused, null, "upgrade refused");
                new HttpExchange(ctx, api, false).respond(HttpReply.empty(refused));
                return;
            }
            String sid = handlers.sidFor(api);
            String url = "ws://" + req.headers().get(HttpHeaderNames.HOST, "localhost") + wire.path();
            WebSocketServerHandshakerFactory factory = new WebSocketServerHandshakerFactory(url, null, false,
                    MAX_INBOUND_WS_MESSAGE);
            handshaker = factory.newHandshaker(req);
            if (handshaker == null) {
                WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel());
                return;
            }
            ClientSocket s = new ClientSocket(sid, ctx.channel(), api.path());
            handshaker.handshake(ctx.channel(), req).addListener(f -> {
                if (f.isSuccess()) {
                    ctx.pipeline().addBefore(ctx.name(), "ws-aggregator",
                            new WebSocketFrameAggregator(MAX_INBOUND_WS_MESSAGE));
                    socket = s;
                    handlers.wsOpened(s);
                }
            });
            return;
        }
        handlers.http(new HttpExchange(ctx, api, HttpUtil.isKeepAlive(req)));
    }

    private void onFrame(ChannelHandlerContext ctx, WebSocketFrame frame) {
        if (frame instanceof PingWebSocketFrame) {
            String who = socket == null ? connection : socket.sid();
            String where = socket == null ? null : socket.path();
            String body = "ping " + frame.content().readableBytes() + " bytes";
            journal.record(Kind.WS_IN, who, null, where, 0, "ping", body);
            // answered at once on the event loop, as aiohttp's autoping does, ahead of queued messages
            journal.record(Kind.WS_OUT, who, null, where, 0, "pong", "pong " + frame.content().readableBytes() + " bytes");
            ctx.writeAndFlush(new PongWebSocketFrame(frame.content().retain()));
        } else if (frame instanceof CloseWebSocketFrame close) {
            handshaker.close(ctx.channel(), close.retain());
        } else if (frame instanceof TextWebSocketFrame text && socket != null) {
            handlers.wsText(socket, text.text());
        } else if (frame instanceof BinaryWebSocketFrame && socket != null) {
            journal.record(Kind.WS_IN, socket.sid(), null, socket.path(), 0, "binary",
                    "binary " + frame.content().readableBytes() + " bytes");
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (socket != null) {
            handlers.wsClosed(socket);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // a client that vanished or sent garbage; the real server logs and drops the connection
        ctx.close();
    }

    private ApiRequest decode(FullHttpRequest req) {
        QueryStringDecoder q = new QueryStringDecoder(req.uri());
        Map<String, String> headers = new LinkedHashMap<>();
        req.headers().forEach(h -> headers.putIfAbsent(h.getKey().toLowerCase(), h.getValue()));
        byte[] body = ByteBufUtil.getBytes(req.content());
        Map<String, String> form = null;
        List<ApiRequest.FilePart> files = null;
        String ct = req.headers().get(HttpHeaderNames.CONTENT_TYPE, "");
        if ("POST".equals(req.method().name()) && ct.toLowerCase().startsWith("multipart/form-data")) {
            form = new LinkedHashMap<>();
            files = new ArrayList<>();
            HttpPostRequestDecoder decoder = new HttpPostRequestDecoder(new DefaultHttpDataFactory(false), req);
            try {
                for (InterfaceHttpData d : decoder.getBodyHttpDatas()) {
                    if (d instanceof FileUpload f) {
                        files.add(new ApiRequest.FilePart(f.getName(), f.getFilename(), f.get()));
                    } else if (d instanceof Attribute a) {
                        form.put(a.getName(), a.getValue());
                    }
                }
            } catch (IOException | RuntimeException e) {
                files = List.of();
            } finally {
                decoder.destroy();
            }
        }
        return new ApiRequest(connection, req.method().name(), req.uri(), q.path(), q.parameters(), headers, body,
                form, files);
    }
}
