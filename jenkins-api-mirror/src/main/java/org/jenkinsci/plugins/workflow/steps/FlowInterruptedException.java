package org.jenkinsci.plugins.workflow.steps;

import hudson.model.Result;
import java.util.Arrays;
import java.util.List;
import jenkins.model.CauseOfInterruption;

/** Mirror of workflow-step-api {@code FlowInterruptedException}: the usual cause given to stop() on abort. */
public final class FlowInterruptedException extends InterruptedException {
    private final Result result;
    private final List<CauseOfInterruption> causes;
    private final boolean actualInterruption;

    public FlowInterruptedException(Result result, CauseOfInterruption... causes) {
        // real: an actual interruption with that result and causes
        this(result, true, causes);
    }

    public FlowInterruptedException(Result result, boolean actualInterruption, CauseOfInterruption... causes) {
        // real: keeps the result, the causes and the flag
        this.result = result;
        this.causes = Arrays.asList(causes);
        this.actualInterruption = actualInterruption;
    }

    public Result getResult() {
        // real getResult
        return result;
    }

    public List<CauseOfInterruption> getCauses() {
        // real getCauses
        return causes;
    }

    public boolean isActualInterruption() {
        // real isActualInterruption
        return actualInterruption;
    }

    private static final long serialVersionUID = 1L;
}
