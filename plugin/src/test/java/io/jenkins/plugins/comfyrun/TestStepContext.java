package io.jenkins.plugins.comfyrun;

import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import hudson.FilePath;
import hudson.model.Result;
import hudson.model.Run;
import hudson.model.TaskListener;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import org.jenkinsci.plugins.workflow.steps.BodyInvoker;
import org.jenkinsci.plugins.workflow.steps.StepContext;
import org.jenkinsci.plugins.workflow.steps.StepExecution;

/**
 * A StepContext of our own, standing in for CPS: serializable like the real one (its environment is transient and
 * re-bound after a "restart", as Pipeline re-binds a deserialized context to the reloaded build), and
 * {@link #saveState()} really serializes the execution, the way program.dat does, keeping the last bytes.
 */
final class TestStepContext extends StepContext {
    private transient Run<?, ?> run;
    private transient TaskListener listener;
    private transient FilePath workspace;
    private transient CompletableFuture<Object> outcome = new CompletableFuture<>();
    private transient StepExecution execution;
    private transient volatile byte[] lastSaved;
    private transient AtomicInteger saves = new AtomicInteger();
    private transient IntSupplier submissionsAtSave = () -> -1;
    private transient volatile int submissionsSeenAtLastSave = -1;
    private transient volatile int submissionsSeenAtFirstSave = -1;
    private transient volatile byte[] firstSaved;
    /** When set, every save after the first stays pending (like a busy CPS VM thread) until {@link #releaseSaves}. */
    private transient volatile boolean holdSaves;
    private transient java.util.List<com.google.common.util.concurrent.SettableFuture<Void>> heldSaves;
    private transient volatile int mostPendingAtOnce;
    /** Whether get(FilePath) throws, as the real context does while the node's agent is gone after a restart. */
    private transient volatile boolean agentGone;

    TestStepContext(Run<?, ?> run, TaskListener listener, FilePath workspace) {
        bind(run, listener, workspace);
    }

    /** Re-binds a deserialized context to a (new) environment: what Jenkins does for a resumed build. */
    TestStepContext bind(Run<?, ?> run, TaskListener listener, FilePath workspace) {
        this.run = run;
        this.listener = listener;
        this.workspace = workspace;
        this.outcome = new CompletableFuture<>();
        this.saves = new AtomicInteger();
        this.submissionsAtSave = () -> -1;
        this.heldSaves = new java.util.ArrayList<>();
        return this;
    }

    /** The enclosing node got its agent back (after a restart): the workspace is available again. */
    void workspaceBack(FilePath ws) {
        this.agentGone = false;
        this.workspace = ws;
    }

    /** The node's agent is not connected: get(FilePath) throws, as the real context does. */
    void agentGone() {
        this.agentGone = true;
    }

    /** From the next save on, saves stay pending until {@link #releaseSaves()} (the first save is not held). */
    void holdSaves() {
        this.holdSaves = true;
    }

    /** Completes the pending saves (serializing the execution as it is now), and stops holding. */
    void releaseSaves() {
        holdSaves = false;
        java.util.List<com.google.common.util.concurrent.SettableFuture<Void>> pending;
        synchronized (this) {
            pending = new java.util.ArrayList<>(heldSaves);
            heldSaves.clear();
        }
        for (com.google.common.util.concurrent.SettableFuture<Void> f : pending) {
            lastSaved = serialize(execution);
            f.set(null);
        }
    }

    /** The largest number of saves that were requested and not yet written, at any moment. */
    int mostPendingAtOnce() {
        return mostPendingAtOnce;
    }

    void attach(StepExecution e) {
        this.execution = e;
    }

    /** Lets the test record how many POST /prompt the server had seen when state was saved. */
    void observeSubmissions(IntSupplier submissions) {
        this.submissionsAtSave = submissions;
    }

    CompletableFuture<Object> outcome() {
        return outcome;
    }

    byte[] lastSaved() {
        return lastSaved;
    }

    int saves() {
        return saves.get();
    }

    int submissionsSeenAtLastSave() {
        return submissionsSeenAtLastSave;
    }

    int submissionsSeenAtFirstSave() {
        return submissionsSeenAtFirstSave;
    }

    byte[] firstSaved() {
        return firstSaved;
    }

    static byte[] serialize(Object o) {
        try (ByteArrayOutputStream bytes = new ByteArrayOutputStream(); ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(o);
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new AssertionError("the execution must be serializable like program.dat requires", e);
        }
    }

    static <T> T deserialize(byte[] data, Class<T> type) {
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(data))) {
            return type.cast(in.readObject());
        } catch (IOException | ClassNotFoundException e) {
            throw new AssertionError(e);
        }
    }

    @Override
    public <T> T get(Class<T> key) throws java.io.IOException {
        if (key == Run.class) {
            return key.cast(run);
        }
        if (key == TaskListener.class) {
            return key.cast(listener);
        }
        if (key == FilePath.class) {
            if (agentGone) {
                throw new java.io.IOException("agent of node {} is offline (as after a controller restart before it reconnects)");
            }
            return key.cast(workspace);
        }
        return null;
    }

    @Override
    public void onSuccess(Object result) {
        outcome.complete(result);
    }

    @Override
    public void onFailure(Throwable t) {
        outcome.completeExceptionally(t);
    }

    @Override
    public boolean isReady() {
        return true;
    }

    @Override
    public ListenableFuture<Void> saveState() {
        boolean first = saves.incrementAndGet() == 1;
        if (holdSaves && !first) {
            com.google.common.util.concurrent.SettableFuture<Void> f = com.google.common.util.concurrent.SettableFuture.create();
            synchronized (this) {
                heldSaves.add(f);
                mostPendingAtOnce = Math.max(mostPendingAtOnce, heldSaves.size());
            }
            return f;
        }
        submissionsSeenAtLastSave = submissionsAtSave.getAsInt();
        if (first) {
            submissionsSeenAtFirstSave = submissionsSeenAtLastSave;
        }
        if (execution != null) {
            lastSaved = serialize(execution);
            if (first) {
                firstSaved = lastSaved;
            }
        }
        return Futures.immediateFuture(null);
    }

    @Override
    public void setResult(Result r) {
    }

    @Override
    public BodyInvoker newBodyInvoker() {
        throw new IllegalStateException("comfyRun takes no body");
    }

    @Override
    public boolean equals(Object o) {
        return o == this;
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(this);
    }

    private static final long serialVersionUID = 1L;
}
