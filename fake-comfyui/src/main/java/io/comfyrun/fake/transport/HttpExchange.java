package io.comfyrun.fake.transport;

import io.comfyrun.fake.api.ApiRequest;
import io.comfyrun.fake.api.HttpReply;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;

/**
 * One HTTP request waiting for its answer: the normal reply or one of the wire faults. Safe to call
 * from any thread; Netty runs the writes on the connection's event loop.
 */
public final class HttpExchange {

    private final ChannelHandlerContext ctx;
    private final ApiRequest request;
    private final boolean keepAlive;

    HttpExchange(ChannelHandlerContext ctx, ApiRequest request, boolean keepAlive) {
        this.ctx = ctx;
        this.request = request;
        this.keepAlive = keepAlive;
    }

    public ApiRequest request() {
        return request;
    }

    public void respond(HttpReply reply) {
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(reply.status()), Unpooled.wrappedBuffer(reply.body()));
        headers(res, reply);
        res.headers().set(HttpHeaderNames.CONTENT_LENGTH, reply.body().length);
        if (keepAlive) {
            ctx.writeAndFlush(res);
        } else {
            res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** Headers and only the first {@code bytes} bytes of the body, then the connection closes. */
    public void respondTruncated(HttpReply reply, int bytes) {
        HttpResponse res = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(reply.status()));
        headers(res, reply);
        res.headers().set(HttpHeaderNames.CONTENT_LENGTH, reply.body().length);
        ctx.write(res);
        int n = Math.max(0, Math.min(bytes, reply.body().length));
        // raw bytes below the encoder: the promised Content-Length is never reached
        ctx.writeAndFlush(new io.netty.handler.codec.http.DefaultHttpContent(
                Unpooled.wrappedBuffer(reply.body(), 0, n))).addListener(ChannelFutureListener.CLOSE);
    }

    /** The connection closes (FIN) with no response at all. */
    public void closeWithoutResponse() {
        ctx.channel().close();
    }

    /** The connection is reset (RST): SO_LINGER 0 and close. */
    public void reset() {
        ctx.channel().config().setOption(ChannelOption.SO_LINGER, 0);
        ctx.channel().close();
    }

    private static void headers(HttpResponse res, HttpReply reply) {
        if (reply.contentType() != null) {
            res.headers().set(HttpHeaderNames.CONTENT_TYPE, reply.contentType());
        }
        for (Map.Entry<String, String> h : reply.headers().entrySet()) {
            res.headers().set(h.getKey(), h.getValue());
        }
        res.headers().set(HttpHeaderNames.SERVER, "Python/3.11 aiohttp/3.14.3 (fake-comfyui)");
        res.headers().set(HttpHeaderNames.DATE, DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(
                java.time.ZoneOffset.UTC)));
    }
}
