package io.comfyrun.client.http;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The certificates a server is trusted with, read from a PEM file (one or more CA or self-signed certificates).
 * They REPLACE the JVM trust store for that server: a certificate chain that does not lead to one of them is
 * refused, even if a public CA signed it. Other servers keep the JVM trust store.
 *
 * <p>One SSL socket factory per file (reloaded when the file changes): OkHttp pools connections per socket factory,
 * so a new factory per call would defeat keep-alive.
 */
public final class TrustedCertificates {

    /** What a loaded file gives the HTTP client. */
    public record Loaded(List<X509Certificate> certificates, SSLSocketFactory socketFactory, X509TrustManager trustManager) {
    }

    private record Cached(FileTime modified, long size, Loaded loaded) {
    }

    private static final Map<Path, Cached> CACHE = new ConcurrentHashMap<>();

    private TrustedCertificates() {
    }

    /**
     * Reads and checks {@code pem}.
     *
     * @throws IllegalArgumentException naming the file when it is missing, unreadable, holds no certificate or
     *                                  holds something that is not a valid X.509 certificate
     */
    public static Loaded load(Path pem) {
        Path file = pem.toAbsolutePath().normalize();
        FileTime modified;
        long size;
        try {
            modified = Files.getLastModifiedTime(file);
            size = Files.size(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("trusted certificates file " + file + " cannot be read: "
                    + (Files.exists(file) ? e.toString() : "it does not exist"), e);
        }
        Cached c = CACHE.get(file);
        if (c != null && c.modified().equals(modified) && c.size() == size) {
            return c.loaded();
        }
        Loaded loaded = read(file);
        CACHE.put(file, new Cached(modified, size, loaded));
        return loaded;
    }

    private static Loaded read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("trusted certificates file " + file + " cannot be read: " + e, e);
        }
        String text = new String(bytes, java.nio.charset.StandardCharsets.US_ASCII);
        if (!text.contains("-----BEGIN CERTIFICATE-----")) {
            throw new IllegalArgumentException("trusted certificates file " + file + " holds no PEM certificate (expected"
                    + " one or more '-----BEGIN CERTIFICATE-----' blocks" + (text.contains("PRIVATE KEY")
                    ? "; it holds a private key, which must never be given here" : "") + ")");
        }
        Collection<? extends Certificate> parsed;
        try {
            parsed = CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(bytes));
        } catch (CertificateException e) {
            throw new IllegalArgumentException("trusted certificates file " + file + " is not a valid PEM certificate"
                    + " file: " + e.getMessage(), e);
        }
        List<X509Certificate> certs = new ArrayList<>();
        for (Certificate cert : parsed) {
            certs.add((X509Certificate) cert);
        }
        if (certs.isEmpty()) {
            throw new IllegalArgumentException("trusted certificates file " + file + " holds no certificate");
        }
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            for (int i = 0; i < certs.size(); i++) {
                store.setCertificateEntry("trusted-" + i, certs.get(i));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            X509TrustManager tm = null;
            for (TrustManager m : tmf.getTrustManagers()) {
                if (m instanceof X509TrustManager x) {
                    tm = x;
                }
            }
            if (tm == null) {
                throw new IllegalStateException("the JVM offers no X.509 trust manager");
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {tm}, null);
            return new Loaded(List.copyOf(certs), ctx.getSocketFactory(), tm);
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("trusted certificates file " + file + " cannot be used: " + e, e);
        }
    }
}
