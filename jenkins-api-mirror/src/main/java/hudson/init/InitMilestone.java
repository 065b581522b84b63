package hudson.init;

/**
 * Mirror of jenkins-core {@code hudson.init.InitMilestone}: the milestones of Jenkins' start-up, in order (the real
 * enum also implements the reactor's Milestone interface and carries a message, not mirrored).
 */
public enum InitMilestone {
    STARTED,
    PLUGINS_LISTED,
    PLUGINS_PREPARED,
    PLUGINS_STARTED,
    EXTENSIONS_AUGMENTED,
    SYSTEM_CONFIG_LOADED,
    SYSTEM_CONFIG_ADAPTED,
    JOB_LOADED,
    JOB_CONFIG_ADAPTED,
    COMPLETED
}
