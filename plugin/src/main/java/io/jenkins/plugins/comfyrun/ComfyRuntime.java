package io.jenkins.plugins.comfyrun;

import hudson.init.InitMilestone;
import hudson.init.Initializer;
import hudson.init.Terminator;
import io.comfyrun.client.ComfyClient;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The plugin's share of the controller JVM: ONE engine client (so one WebSocket per ComfyUI server, shared by all
 * running steps), one small named thread pool for the step's blocking chores (reading the workflow from the
 * workspace, uploads, downloads, saving state) and a separate timer thread that only fires short deadlines (the stop
 * fallback, the log heartbeat). The timers have their own thread so that {@code stop()} ends a step on time even when
 * every pool thread is busy streaming a large download. Never {@code jenkins.util.Timer}: that pool is shared by all
 * of Jenkins and runs as SYSTEM. All are shut down when Jenkins stops.
 */
public final class ComfyRuntime {
    private static final System.Logger LOG = System.getLogger(ComfyRuntime.class.getName());
    private static ComfyClient client;
    private static ScheduledThreadPoolExecutor executor;
    private static ScheduledThreadPoolExecutor timers;
    /**
     * Set by {@link #shutdown()} before anything is closed: from then on a step whose download, submission or tracking
     * fails is NOT ended (its failure is the shutdown's doing); Pipeline has already written its state and
     * {@code onResume()} picks it up after the restart. Volatile: read by pool threads without the class lock.
     */
    private static volatile boolean shuttingDown;

    private ComfyRuntime() {
    }

    static synchronized ComfyClient client() {
        if (client == null) {
            client = ComfyClient.create();
        }
        return client;
    }

    /** The pool for blocking chores (I/O on the workspace and the server); may be busy for minutes. */
    static synchronized ScheduledExecutorService executor() {
        if (executor == null) {
            executor = pool(4, "comfyRun step ");
        }
        return executor;
    }

    /** Timers only: tasks here must be quick and never block (they end a step, or print one line). */
    static synchronized ScheduledExecutorService timers() {
        if (timers == null) {
            timers = pool(1, "comfyRun timer ");
        }
        return timers;
    }

    private static ScheduledThreadPoolExecutor pool(int threads, String name) {
        AtomicInteger n = new AtomicInteger();
        ThreadFactory tf = r -> {
            Thread t = new Thread(r, name + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        ScheduledThreadPoolExecutor p = new ScheduledThreadPoolExecutor(threads, tf);
        p.setKeepAliveTime(1, TimeUnit.MINUTES);
        p.allowCoreThreadTimeOut(true);
        p.setRemoveOnCancelPolicy(true);
        return p;
    }

    /** True once Jenkins is stopping: failures from then on are the shutdown's, and the step resumes after the restart. */
    static boolean isShuttingDown() {
        return shuttingDown;
    }

    /**
     * Jenkins is starting: nothing is shutting down. A real restart is a new JVM, where this is already so; a restart
     * inside one JVM (JenkinsSessionExtension, and the unit tests' "restart") must not inherit the flag.
     */
    @Initializer(after = InitMilestone.PLUGINS_STARTED)
    public static synchronized void jenkinsStarted() {
        shuttingDown = false;
    }

    /** Tests only: a "new JVM" after {@link #shutdown()}. */
    static void startAgainAfterShutdown() {
        jenkinsStarted();
    }

    /**
     * Closes the engine (its WebSockets and threads) and the step pool; running steps resume after the restart.
     * Ordered after Pipeline's own terminator ({@code CpsFlowExecution.suspendAll} attains
     * {@code FlowExecutionList.EXECUTIONS_SUSPENDED}, the constant of workflow-api, which this plugin does not depend
     * on): every running build has been checkpointed before a download or submission is interrupted here, so the
     * interrupted step is resumed from its saved state instead of failing.
     */
    @Terminator(requires = "FlowExecutionList.EXECUTIONS_SUSPENDED")
    public static synchronized void shutdown() {
        shuttingDown = true;
        if (executor != null) {
            executor.shutdownNow();
            executor = null;
        }
        if (timers != null) {
            timers.shutdownNow();
            timers = null;
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
