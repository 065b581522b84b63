package jenkins.model;

import java.io.Serializable;

/** Mirror of jenkins-core {@code jenkins.model.CauseOfInterruption}. */
public abstract class CauseOfInterruption implements Serializable {
    public abstract String getShortDescription();

    private static final long serialVersionUID = 1L;
}
