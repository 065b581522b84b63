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
        this.context = null;
    }

    protected StepExecution(StepContext context) {
        this.context = context;
    }

    public StepContext getContext() {
        if (context == null) {
            throw new IllegalStateException("you must either pass in a StepContext to the StepExecution constructor or have the StepExecution be created automatically");
        }
        return context;
    }

    public abstract boolean start() throws Exception;

    public void stop(Throwable cause) throws Exception {
        getContext().onFailure(cause);
    }

    public void onResume() {
    }

    public String getStatus() {
        return null;
    }

    public final String getStatusBounded(long timeout, TimeUnit unit) {
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
        return false;
    }

    private static final long serialVersionUID = 1L;
}
