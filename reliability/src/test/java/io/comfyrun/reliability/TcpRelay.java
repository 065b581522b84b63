package io.comfyrun.reliability;

import javax.net.ServerSocketFactory;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A byte relay in front of a server, on loopback: forwards everything both ways, keeps a copy of what the
 * client sent (to prove where a credential went), and can inject raw bytes into the server-to-client stream
 * right after a WebSocket handshake (a frame the fake cannot produce). With an {@code SSLServerSocketFactory}
 * it is a TLS front.
 */
final class TcpRelay implements Closeable {

    private final ServerSocket listener;
    private final URI upstream;
    private final byte[] injectAfterUpgrade;
    private final ExecutorService threads;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private final ByteArrayOutputStream fromClients = new ByteArrayOutputStream();
    private final AtomicInteger injected = new AtomicInteger();

    TcpRelay(URI upstream, ServerSocketFactory factory, byte[] injectAfterUpgrade) throws IOException {
        this.upstream = upstream;
        this.injectAfterUpgrade = injectAfterUpgrade;
        this.listener = factory.createServerSocket(0, 50, InetAddress.getLoopbackAddress());
        AtomicInteger n = new AtomicInteger();
        this.threads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "tcp-relay-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        threads.execute(this::acceptLoop);
    }

    static TcpRelay plain(URI upstream) throws IOException {
        return new TcpRelay(upstream, ServerSocketFactory.getDefault(), null);
    }

    int port() {
        return listener.getLocalPort();
    }

    /** Everything clients sent through the relay, as ISO-8859-1 text (headers are ASCII). */
    String clientBytes() {
        synchronized (fromClients) {
            return fromClients.toString(StandardCharsets.ISO_8859_1);
        }
    }

    int injections() {
        return injected.get();
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket(upstream.getHost(), upstream.getPort());
                open.add(client);
                open.add(server);
                threads.execute(() -> pump(client, server, true));
                threads.execute(() -> pump(server, client, false));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void pump(Socket from, Socket to, boolean clientToServer) {
        byte[] buf = new byte[16 * 1024];
        boolean upgraded = false;
        StringBuilder head = new StringBuilder();
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int n;
            while ((n = in.read(buf)) >= 0) {
                if (clientToServer) {
                    synchronized (fromClients) {
                        fromClients.write(buf, 0, n);
                    }
                    out.write(buf, 0, n);
                } else if (injectAfterUpgrade != null && !upgraded) {
                    head.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
                    int end = head.indexOf("\r\n\r\n");
                    if (head.indexOf("HTTP/1.1 101") == 0 && end >= 0) {
                        // split at the end of the handshake: the injected frame lands on a frame boundary
                        int headerBytesInThisRead = end + 4 - (head.length() - n);
                        out.write(buf, 0, headerBytesInThisRead);
                        out.write(injectAfterUpgrade);
                        injected.incrementAndGet();
                        out.write(buf, headerBytesInThisRead, n - headerBytesInThisRead);
                        upgraded = true;
                    } else {
                        out.write(buf, 0, n);
                        if (end >= 0) {
                            head.setLength(0); // a plain HTTP answer: look at the next one
                        }
                    }
                } else {
                    out.write(buf, 0, n);
                }
                out.flush();
            }
        } catch (IOException e) {
            // one side went away: close both below
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException e) {
            // already closed
        }
        open.forEach(TcpRelay::closeQuietly);
        threads.shutdownNow();
        try {
            threads.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
