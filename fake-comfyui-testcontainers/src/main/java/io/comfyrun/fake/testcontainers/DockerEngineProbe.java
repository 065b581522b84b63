package io.comfyrun.fake.testcontainers;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A few questions to the Docker engine over its plain HTTP API, asked before Testcontainers initialises (which would
 * start pulling images at once): is an image there, can the engine pull one, what is the engine's name. Speaks
 * HTTP/1.0 (the engine then answers unchunked and closes) on the unix socket or a plain {@code tcp://} address.
 */
final class DockerEngineProbe {

    /** An engine answer: HTTP status and body. */
    record Answer(int status, String body) {
    }

    private final String dockerHost;

    private DockerEngineProbe(String dockerHost) {
        this.dockerHost = dockerHost;
    }

    /**
     * The engine Testcontainers would use by default: {@code DOCKER_HOST}, else the standard unix socket. Null when
     * that is an engine this probe cannot speak to (TLS, named pipes) or there is no socket: the preflight then
     * leaves every decision to Testcontainers.
     */
    static DockerEngineProbe fromEnvironment(String dockerHostEnv, String tlsVerifyEnv) {
        String host = dockerHostEnv == null || dockerHostEnv.isBlank() ? "unix:///var/run/docker.sock" : dockerHostEnv;
        if (host.startsWith("unix://")) {
            return Files.exists(Path.of(host.substring("unix://".length()))) ? new DockerEngineProbe(host) : null;
        }
        if (host.startsWith("tcp://") && (tlsVerifyEnv == null || tlsVerifyEnv.isBlank() || "0".equals(tlsVerifyEnv))) {
            return new DockerEngineProbe(host);
        }
        return null;
    }

    boolean isUnixSocket() {
        return dockerHost.startsWith("unix://");
    }

    String dockerHost() {
        return dockerHost;
    }

    boolean hasImage(String image) throws IOException {
        return call("GET", "/images/" + image + "/json", Duration.ofSeconds(10)).status() == 200;
    }

    /** The engine's name ({@code /info} {@code Name}): its host name, or null when it does not say. */
    String engineName() throws IOException {
        Answer a = call("GET", "/info", Duration.ofSeconds(10));
        // the engine's own "Name" is the one followed by its "Labels"; registry entries have names too
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"Name\":\"([^\"]*)\",\"Labels\"")
                .matcher(a.body());
        return a.status() == 200 && m.find() ? m.group(1) : null;
    }

    /**
     * Asks the engine to pull {@code image} (name:tag). Returns null when it pulled it, or still pulls after
     * {@code patience} (a registry answers), else the engine's error, e.g. {@code lookup registry-1.docker.io: no such
     * host}.
     */
    String pullError(String image, Duration patience) throws IOException {
        int colon = image.lastIndexOf(':');
        String path = "/images/create?fromImage=" + URLEncoder.encode(image.substring(0, colon), StandardCharsets.UTF_8)
                + "&tag=" + URLEncoder.encode(image.substring(colon + 1), StandardCharsets.UTF_8);
        Answer a;
        try {
            a = call("POST", path, patience);
        } catch (IOException e) {
            if (e.getCause() instanceof TimeoutException) {
                return null; // still pulling: a registry is there, it is only slow
            }
            throw e;
        }
        if (a.status() != 200) {
            return message(a.body());
        }
        // a pull that fails after it started still answers 200, with the error in the stream
        int e = a.body().indexOf("\"error\"");
        return e < 0 ? null : message(a.body().substring(e));
    }

    private static String message(String body) {
        for (String key : new String[] {"\"message\":\"", "\"error\":\""}) {
            int i = body.indexOf(key);
            if (i >= 0) {
                int start = i + key.length();
                int end = body.indexOf("\"}", start);
                return body.substring(start, end < 0 ? body.length() : end).replace("\\\"", "\"");
            }
        }
        return body.strip();
    }

    private Answer call(String method, String path, Duration timeout) throws IOException {
        ExecutorService reader = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fake-comfyui-docker-probe");
            t.setDaemon(true);
            return t;
        });
        SocketChannel channel = open();
        try {
            Future<Answer> answer = reader.submit(() -> exchange(channel, method, path));
            return answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IOException("the Docker engine at " + dockerHost + " did not answer " + method + " " + path
                    + " within " + timeout.toSeconds() + " s", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io
                    : new IOException("asking the Docker engine at " + dockerHost + " failed: " + e.getCause(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while asking the Docker engine", e);
        } finally {
            channel.close(); // also ends a read still blocked on it
            reader.shutdownNow();
        }
    }

    private SocketChannel open() throws IOException {
        if (isUnixSocket()) {
            SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
            c.connect(UnixDomainSocketAddress.of(dockerHost.substring("unix://".length())));
            return c;
        }
        URI u = URI.create(dockerHost);
        return SocketChannel.open(new InetSocketAddress(u.getHost(), u.getPort() < 0 ? 2375 : u.getPort()));
    }

    private static Answer exchange(SocketChannel channel, String method, String path) throws IOException {
        String request = method + " " + path + " HTTP/1.0\r\nHost: docker\r\nContent-Length: 0\r\n\r\n";
        ByteBuffer out = ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII));
        while (out.hasRemaining()) {
            channel.write(out);
        }
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        ByteBuffer in = ByteBuffer.allocate(16 * 1024);
        while (channel.read(in) >= 0) {
            all.write(in.array(), 0, in.position());
            in.clear();
        }
        String text = all.toString(StandardCharsets.UTF_8);
        int lineEnd = text.indexOf("\r\n");
        int headersEnd = text.indexOf("\r\n\r\n");
        if (lineEnd < 0 || !text.startsWith("HTTP/")) {
            throw new IOException("the Docker engine's answer is not HTTP: " + text.substring(0, Math.min(80,
                    text.length())));
        }
        int status = Integer.parseInt(text.substring(0, lineEnd).split(" ")[1]);
        return new Answer(status, headersEnd < 0 ? "" : text.substring(headersEnd + 4));
    }
}
