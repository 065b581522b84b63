package hudson.init;

/** Mirror of jenkins-core {@code hudson.init.TermMilestone}: the first and last milestones of Jenkins' shutdown. */
public enum TermMilestone {
    STARTED,
    COMPLETED
}
