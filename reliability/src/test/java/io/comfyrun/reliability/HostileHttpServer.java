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
 * byte at a time forever, or by redirecting to another URL; or, in front of a real (fake) ComfyUI, relays every
 * request to it and misbehaves only on one route: after the real server has seen the request, the answer is
 * replaced by a trickle or by a canned answer (a redirect, a forged body). Records each request's head (request
 * line and headers) so a test can see what arrived, e.g. whether a credential followed a redirect.
 */
final class HostileHttpServer implements Closeable {

    enum Behaviour { TRICKLE_FOREVER, REDIRECT, OK_JSON, RELAY }

    /**
     * For {@link Behaviour#RELAY}: the requests ({@code method}, path starting with {@code pathPrefix}) whose answer
     * is replaced, the first {@code times} of them; {@code forward}: whether the real server sees those requests
     * first; {@code answer} is a complete HTTP response, or null to trickle.
     */
    record Hostile(String method, String pathPrefix, int times, boolean forward, String answer) {
    }

    private volatile URI relayTarget;
    private volatile Hostile hostile;
    private volatile java.net.http.HttpClient relayClient;
    private final AtomicInteger hostileLeft = new AtomicInteger();

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

    /** Relays to {@code target}, replacing the answers {@code hostile} names; see {@link Hostile}. */
    static HostileHttpServer relaying(URI target, Hostile hostile) throws IOException {
        HostileHttpServer s = new HostileHttpServer(Behaviour.RELAY, null);
        s.relayTarget = target;
        s.hostile = hostile;
        s.hostileLeft.set(hostile.times());
        s.relayClient = java.net.http.HttpClient.newBuilder().followRedirects(java.net.http.HttpClient.Redirect.NEVER)
                .build();
        return s;
    }

    /** A canned answer for {@link Hostile}: status line, JSON content type, the body. */
    static String answer(int status, String extraHeaders, String body) {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        return "HTTP/1.1 " + status + " Hostile\r\nContent-Type: application/json\r\n" + extraHeaders
                + "Content-Length: " + b.length + "\r\n\r\n" + new String(b, StandardCharsets.ISO_8859_1);
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
                char[] body = new char[contentLength(head.toString())];
                for (int off = 0; off < body.length; ) {
                    int n = in.read(body, off, body.length - off);
                    if (n < 0) {
                        return;
                    }
                    off += n;
                }
                switch (behaviour) {
                    case TRICKLE_FOREVER -> {
                        trickle(out);
                        return;
                    }
                    case RELAY -> {
                        String[] line1 = head.toString().split(" ", 3);
                        boolean spoil = line1[0].equals(hostile.method()) && line1[1].startsWith(hostile.pathPrefix())
                                && hostileLeft.getAndDecrement() > 0;
                        byte[] real = spoil && !hostile.forward() ? null : relay(line1[0], line1[1], head.toString(),
                                new String(body).getBytes(StandardCharsets.ISO_8859_1));
                        if (spoil) {
                            if (hostile.answer() == null) {
                                trickle(out);
                                return;
                            }
                            out.write(hostile.answer().getBytes(StandardCharsets.ISO_8859_1));
                        } else {
                            out.write(real);
                        }
                        out.flush();
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

    private static void trickle(OutputStream out) throws IOException, InterruptedException {
        out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        while (!Thread.currentThread().isInterrupted()) {
            out.write(' ');
            out.flush();
            TimeUnit.MILLISECONDS.sleep(200); // the hostile behaviour itself, not a test wait
        }
    }

    private static int contentLength(String head) {
        for (String h : head.split("\n")) {
            if (h.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                return Integer.parseInt(h.substring(15).trim());
            }
        }
        return 0;
    }

    /** The real server's answer to this request, as bytes to write back (keep-alive, fixed length). */
    private byte[] relay(String method, String path, String head, byte[] body) throws IOException, InterruptedException {
        java.net.http.HttpRequest.Builder r = java.net.http.HttpRequest.newBuilder(relayTarget.resolve(path))
                .method(method, body.length == 0 && !method.equals("POST") ? java.net.http.HttpRequest.BodyPublishers.noBody()
                        : java.net.http.HttpRequest.BodyPublishers.ofByteArray(body));
        for (String h : head.split("\n")) {
            String lower = h.toLowerCase(java.util.Locale.ROOT);
            if (lower.startsWith("authorization:") || lower.startsWith("content-type:")) {
                int colon = h.indexOf(':');
                r.header(h.substring(0, colon).trim(), h.substring(colon + 1).trim());
            }
        }
        java.net.http.HttpResponse<byte[]> resp = relayClient.send(r.build(), java.net.http.HttpResponse.BodyHandlers.ofByteArray());
        String type = resp.headers().firstValue("Content-Type").orElse("application/octet-stream");
        byte[] headBytes = ("HTTP/1.1 " + resp.statusCode() + " Relayed\r\nContent-Type: " + type + "\r\nContent-Length: "
                + resp.body().length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
        byte[] all = new byte[headBytes.length + resp.body().length];
        System.arraycopy(headBytes, 0, all, 0, headBytes.length);
        System.arraycopy(resp.body(), 0, all, headBytes.length, resp.body().length);
        return all;
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
