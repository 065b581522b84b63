package io.comfyrun.fake.transport;

import io.comfyrun.fake.journal.Journal;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.Closeable;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/** The listening socket and its event loops. Netty 4.2, NIO transport, HTTP/1.1 + WebSocket. */
public final class NettyServer implements Closeable {

    /** Uploads up to ComfyUI's default 100 MB plus multipart overhead. */
    static final int MAX_HTTP_BODY = 110 * 1024 * 1024;

    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final ChannelGroup open = new DefaultChannelGroup("fake-comfyui-connections", GlobalEventExecutor.INSTANCE);
    private final Channel server;
    /** Kept after close, so a closed server can still say where it listened. */
    private final int port;

    public NettyServer(String host, int port, ServerHandlers handlers, Journal journal, FrontDoor door)
            throws InterruptedException {
        boss = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("fake-comfyui-accept", true),
                NioIoHandler.newFactory());
        workers = new MultiThreadIoEventLoopGroup(Math.max(2, Runtime.getRuntime().availableProcessors()),
                new DefaultThreadFactory("fake-comfyui-io", true), NioIoHandler.newFactory());
        try {
            server = new ServerBootstrap()
                    .group(boss, workers)
                    .channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            open.add(ch);
                            ch.pipeline()
                                    .addLast("http", new HttpServerCodec())
                                    .addLast("aggregator", new HttpObjectAggregator(MAX_HTTP_BODY))
                                    .addLast("comfy", new ConnectionHandler(handlers, journal, door));
                        }
                    })
                    .bind(host, port).sync().channel();
            this.port = ((InetSocketAddress) server.localAddress()).getPort();
        } catch (InterruptedException | RuntimeException e) {
            shutdownGroups();
            throw e;
        }
    }

    public int port() {
        return port;
    }

    /** Whether the listening socket is still open. */
    public boolean isOpen() {
        return server.isOpen();
    }

    /** Drops every open connection (HTTP and WebSocket) abruptly, keeping the listening socket. */
    public void dropAllConnections() {
        open.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        server.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        dropAllConnections();
        shutdownGroups();
    }

    private void shutdownGroups() {
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        boss.terminationFuture().awaitUninterruptibly(5, TimeUnit.SECONDS);
        workers.terminationFuture().awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
