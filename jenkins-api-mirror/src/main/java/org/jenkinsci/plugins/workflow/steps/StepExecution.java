package org.jenkinsci.plugins.workflow.steps;

import java.io.Serializable;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Mirror of workflow-step-api {@code StepExecution}, with the real default behaviours. */
public abstract class StepExecution implements Serializable {
    private final StepContext context;

    @Deprecated
    protected StepExecution() {
        // real deprecated no-arg constructor: no context (getContext() then throws)
        this.context = null;
    }

    protected StepExecution(StepContext context) {
        // real StepExecution(StepContext)
        this.context = context;
    }

    public StepContext getContext() {
        // real getContext: IllegalStateException without a context
        if (context == null) {
            throw new IllegalStateException("you must either pass in a StepContext to the StepExecution constructor or have the StepExecution be created automatically");
        }
        return context;
    }

    public abstract boolean start() throws Exception;

    public void stop(Throwable cause) throws Exception {
        // real default stop: fails the step with the cause
        getContext().onFailure(cause);
    }

    public void onResume() {
        // real default onResume: nothing
    }

    public String getStatus() {
        // real default getStatus: null (no status)
        return null;
    }

    public final String getStatusBounded(long timeout, TimeUnit unit) {
        // real getStatusBounded: getStatus() on another thread, a "failed to compute status" text after the timeout
        ExecutorService e = Executors.newSingleThreadExecutor();
        try {
            Callable<String> status = this::getStatus;
            return e.submit(status).get(timeout, unit);
        } catch (InterruptedException | ExecutionException | TimeoutException x) {
            return "failed to compute status: " + x;
        } finally {
            e.shutdownNow();
        }
    }

    public boolean blocksRestart() {
        // real default blocksRestart: false
        return false;
    }

    private static final long serialVersionUID = 1L;
}
