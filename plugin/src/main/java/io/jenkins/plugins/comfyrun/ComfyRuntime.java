package io.jenkins.plugins.comfyrun;

import hudson.init.Terminator;
import io.comfyrun.client.ComfyClient;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The plugin's share of the controller JVM: ONE engine client (so one WebSocket per ComfyUI server, shared by all
 * running steps) and one small named thread pool for the step's blocking chores (reading the workflow from the
 * workspace, uploads, downloads, the stop fallback). Never {@code jenkins.util.Timer}: that pool is shared by all of
 * Jenkins and runs as SYSTEM. Both are shut down when Jenkins stops.
 */
public final class ComfyRuntime {
    private static final System.Logger LOG = System.getLogger(ComfyRuntime.class.getName());
    private static ComfyClient client;
    private static ScheduledThreadPoolExecutor executor;

    private ComfyRuntime() {
    }

    static synchronized ComfyClient client() {
        if (client == null) {
            client = ComfyClient.create();
        }
        return client;
    }

    static synchronized ScheduledExecutorService executor() {
        if (executor == null) {
            AtomicInteger n = new AtomicInteger();
            ThreadFactory tf = r -> {
                Thread t = new Thread(r, "comfyRun step " + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            };
            executor = new ScheduledThreadPoolExecutor(4, tf);
            executor.setKeepAliveTime(1, TimeUnit.MINUTES);
            executor.allowCoreThreadTimeOut(true);
            executor.setRemoveOnCancelPolicy(true);
        }
        return executor;
    }

    /** Closes the engine (its WebSockets and threads) and the step pool; running steps resume after the restart. */
    @Terminator
    public static synchronized void shutdown() {
        if (executor != null) {
            executor.shutdownNow();
            executor = null;
        }
        if (client != null) {
            try {
                client.close();
            } catch (Exception e) {
                LOG.log(System.Logger.Level.WARNING, "Could not close the ComfyUI client cleanly", e);
            }
            client = null;
        }
    }
}
