package hudson.model.queue;

import hudson.model.Queue;
import hudson.security.ACL;
import org.springframework.security.core.Authentication;

/** Mirror of jenkins-core {@code hudson.model.queue.Tasks}. Mirror answer: the system authentication. */
public class Tasks {
    public static Authentication getAuthenticationOf2(Queue.Task t) {
        // real getAuthenticationOf2: the task's default authentication (SYSTEM2) unless a QueueItemAuthenticator is
        // configured; the mirror's Jenkins has none
        return ACL.SYSTEM2;
    }
}
