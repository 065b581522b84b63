package io.comfyrun.fake.time;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Scenario time. Every duration in a scenario is virtual; it passes {@code timeScale} times faster
 * than real time, so a two-hour training at scale 1,000 takes 7.2 real seconds. All work runs on the
 * single engine thread, which keeps the global message order ComfyUI's one publish loop has.
 */
public final class VirtualTime {

    private static final System.Logger LOG = System.getLogger(VirtualTime.class.getName());

    private final ScheduledExecutorService engine;
    private volatile double timeScale;

    public VirtualTime(ScheduledExecutorService engine, double timeScale) {
        this.engine = engine;
        setTimeScale(timeScale);
    }

    public double timeScale() {
        return timeScale;
    }

    public void setTimeScale(double scale) {
        if (!(scale > 0) || Double.isInfinite(scale)) {
            throw new IllegalArgumentException("time scale must be a positive number, got " + scale);
        }
        this.timeScale = scale;
    }

    public long toRealNanos(double virtualMs) {
        return (long) (virtualMs * 1_000_000.0 / timeScale);
    }

    /** Runs {@code task} on the engine thread after {@code virtualMs} of scenario time. */
    public ScheduledFuture<?> after(double virtualMs, Runnable task) {
        long nanos = toRealNanos(virtualMs);
        try {
            return engine.schedule(logged(task), Math.max(0, nanos), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            return null; // shutting down
        }
    }

    /** Runs {@code task} on the engine thread as soon as it is free, after what is already queued. */
    public void soon(Runnable task) {
        try {
            engine.execute(logged(task));
        } catch (RejectedExecutionException e) {
            // shutting down
        }
    }

    // a scheduled task's exception would otherwise vanish into its future and silently stop a prompt
    private static Runnable logged(Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException | Error e) {
                LOG.log(System.Logger.Level.ERROR, "fake-comfyui engine task failed", e);
            }
        };
    }
}
