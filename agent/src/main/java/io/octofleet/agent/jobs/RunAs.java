package io.octofleet.agent.jobs;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.List;
import java.util.Optional;

/**
 * Switches a run to another user. Only root can do that without a password prompt that nobody would answer, so an
 * agent running as anyone else refuses instead of hanging.
 */
final class RunAs {
    private final boolean agentIsRoot;
    private final ProgramLocator programs;

    RunAs(boolean agentIsRoot, ProgramLocator programs) {
        this.agentIsRoot = agentIsRoot;
        this.programs = programs;
    }

    static RunAs forThisProcess(ProgramLocator programs) {
        return new RunAs(currentUserIsRoot(), programs);
    }

    /** The user a run's files must belong to, so that the switched process can read its script. */
    Optional<UserPrincipal> owner(Optional<String> user) throws RunRefusedException {
        if (user.isEmpty()) {
            return Optional.empty();
        }
        if (!agentIsRoot) {
            throw new RunRefusedException("cannot run as user " + user.get()
                    + ": the agent is not running as root");
        }
        try {
            return Optional.of(FileSystems.getDefault().getUserPrincipalLookupService()
                    .lookupPrincipalByName(user.get()));
        } catch (UserPrincipalNotFoundException e) {
            throw new RunRefusedException("cannot run as user " + user.get() + ": no such user on this host");
        } catch (IOException e) {
            throw new RunRefusedException("cannot run as user " + user.get() + ": " + e.getMessage());
        }
    }

    /** The words that go before the command; empty when the run keeps the agent's user. */
    List<String> prefix(Optional<String> user) throws RunRefusedException {
        if (user.isEmpty()) {
            return List.of();
        }
        owner(user);
        Optional<Path> runuser = programs.find("runuser");
        if (runuser.isPresent()) {
            return List.of(runuser.get().toString(), "-u", user.get(), "--");
        }
        Optional<Path> sudo = programs.find("sudo");
        if (sudo.isPresent()) {
            // -E: sudo would otherwise drop the run's environment.
            return List.of(sudo.get().toString(), "-E", "-n", "-u", user.get(), "--");
        }
        throw new RunRefusedException("cannot run as user " + user.get() + ": neither runuser nor sudo found");
    }

    private static boolean currentUserIsRoot() {
        try {
            // /proc/self belongs to the process's effective user.
            return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false;
        }
    }
}
