package io.comfyrun.reliability;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A misbehaving HTTP server on loopback (no ComfyUI semantics): answers every request by trickling a body one
 * byte at a time forever, or by redirecting to another URL. Records each request's head (request line and
 * headers) so a test can see what arrived, e.g. whether a credential followed a redirect.
 */
final class HostileHttpServer implements Closeable {

    enum Behaviour { TRICKLE_FOREVER, REDIRECT, OK_JSON }

    private final ServerSocket listener;
    private final Behaviour behaviour;
    private final String location;
    private final int redirectStatus;
    private final ExecutorService threads;
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final List<Socket> open = new CopyOnWriteArrayList<>();

    private HostileHttpServer(Behaviour behaviour, String location) throws IOException {
        this(behaviour, location, 302);
    }

    private HostileHttpServer(Behaviour behaviour, String location, int redirectStatus) throws IOException {
        this.behaviour = behaviour;
        this.location = location;
        this.redirectStatus = redirectStatus;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        AtomicInteger n = new AtomicInteger();
        this.threads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "hostile-http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        threads.execute(this::acceptLoop);
    }

    static HostileHttpServer trickling() throws IOException {
        return new HostileHttpServer(Behaviour.TRICKLE_FOREVER, null);
    }

    static HostileHttpServer redirectingTo(URI target) throws IOException {
        return new HostileHttpServer(Behaviour.REDIRECT, target.toString());
    }

    /** Redirects with {@code status} (301, 302, 303, 307, 308). */
    static HostileHttpServer redirectingTo(URI target, int status) throws IOException {
        return new HostileHttpServer(Behaviour.REDIRECT, target.toString(), status);
    }

    /** Answers {@code {}} to everything: the other end of a redirect. */
    static HostileHttpServer recording() throws IOException {
        return new HostileHttpServer(Behaviour.OK_JSON, null);
    }

    URI baseUrl() {
        return URI.create("http://127.0.0.1:" + listener.getLocalPort() + "/");
    }

    /** The heads of the requests received so far. */
    List<String> requests() {
        return new ArrayList<>(requests);
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket s = listener.accept();
                open.add(s);
                threads.execute(() -> serve(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        try (s; BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
             OutputStream out = s.getOutputStream()) {
            while (true) {
                StringBuilder head = new StringBuilder();
                String line;
                while ((line = in.readLine()) != null && !line.isEmpty()) {
                    head.append(line).append('\n');
                }
                if (line == null) {
                    return;
                }
                requests.add(head.toString());
                switch (behaviour) {
                    case TRICKLE_FOREVER -> {
                        out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n")
                                .getBytes(StandardCharsets.ISO_8859_1));
                        out.flush();
                        while (!Thread.currentThread().isInterrupted()) {
                            out.write(' ');
                            out.flush();
                            TimeUnit.MILLISECONDS.sleep(200); // the hostile behaviour itself, not a test wait
                        }
                        return;
                    }
                    case REDIRECT -> {
                        String path = head.toString().split(" ")[1];
                        out.write(("HTTP/1.1 " + redirectStatus + " Redirect\r\nLocation: " + location.replaceAll("/$", "") + path
                                + "\r\nContent-Length: 0\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                        out.flush();
                    }
                    case OK_JSON -> {
                        out.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
                                .getBytes(StandardCharsets.ISO_8859_1));
                        out.flush();
                    }
                }
            }
        } catch (IOException e) {
            // client went away
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException e) {
            // already closed
        }
        for (Socket s : open) {
            try {
                s.close();
            } catch (IOException e) {
                // already closed
            }
        }
        threads.shutdownNow();
        try {
            threads.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
