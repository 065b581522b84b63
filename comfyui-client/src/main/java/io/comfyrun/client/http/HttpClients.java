package io.comfyrun.client.http;

import io.comfyrun.client.ServerConfig;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;
import okhttp3.Request;

import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Builds the per-server OkHttp client: shared pool and dispatcher, this server's timeouts, auth and trusted
 * certificates (HTTP and the WebSocket upgrade alike).
 */
public final class HttpClients {

    private HttpClients() {
    }

    public static OkHttpClient forServer(OkHttpClient base, ServerConfig server) {
        Map<String, String> authHeaders = server.auth().headers();
        OkHttpClient.Builder b = base.newBuilder()
                .connectTimeout(server.timeouts().connect().toMillis(), TimeUnit.MILLISECONDS)
                .readTimeout(server.timeouts().read().toMillis(), TimeUnit.MILLISECONDS)
                .writeTimeout(server.timeouts().write().toMillis(), TimeUnit.MILLISECONDS)
                .pingInterval(server.timeouts().ping().toMillis(), TimeUnit.MILLISECONDS)
                .retryOnConnectionFailure(false) // the engine decides about retries (never a double POST)...
                .addInterceptor(StaleConnectionRetry.application(base.connectionPool())) // ...but a GET on a dead
                .addNetworkInterceptor(StaleConnectionRetry.NETWORK)                     // pooled socket is retried
                // A redirect would replay a POST as a GET and could send the auth headers elsewhere: report it instead.
                .followRedirects(false)
                .followSslRedirects(false);
        if (server.trustedCertificates() != null) {
            TrustedCertificates.Loaded trusted = TrustedCertificates.load(server.trustedCertificates());
            b.sslSocketFactory(trusted.socketFactory(), trusted.trustManager());
        }
        if (!authHeaders.isEmpty()) {
            b.addInterceptor(authInterceptor(authHeaders));
        }
        return b.build();
    }

    private static Interceptor authInterceptor(Map<String, String> headers) {
        return chain -> {
            Request.Builder r = chain.request().newBuilder();
            headers.forEach(r::header);
            return chain.proceed(r.build());
        };
    }
}
