package org.jenkinsci.plugins.workflow.steps;

import hudson.model.Descriptor;
import java.util.Collections;
import java.util.Map;
import java.util.Set;

/** Mirror of workflow-step-api {@code StepDescriptor} (members the plugin uses or overrides). */
public abstract class StepDescriptor extends Descriptor<Step> {
    protected StepDescriptor() {
    }

    protected StepDescriptor(Class<? extends Step> clazz) {
        super(clazz);
    }

    public abstract Set<? extends Class<?>> getRequiredContext();

    public abstract String getFunctionName();

    public Set<? extends Class<?>> getProvidedContext() {
        return Collections.emptySet();
    }

    public boolean takesImplicitBlockArgument() {
        return false;
    }

    public boolean isAdvanced() {
        return false;
    }

    public boolean isMetaStep() {
        return false;
    }

    /** Real default: a summary of the arguments; {@code null} means "no label". */
    public String argumentsToString(Map<String, Object> namedArgs) {
        return null;
    }
}
