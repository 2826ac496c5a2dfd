package io.octofleet.agent.jobs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Finds the processes of one run: the descendants of its first process, the members of its process group (when it
 * has one of its own), and every process whose environment carries the run's marker, which finds a double-forked
 * daemon that left both the tree and the group. Reads {@code /proc}; elsewhere only the descendants are found.
 */
final class RunProcesses {
    private static final Path PROC = Path.of("/proc");

    private final ProcessHandle root;
    private final OptionalLong group;
    private final byte[] marker;

    /**
     * @param root the run's first process, or null when it is gone (an agent restarted under it)
     * @param ownGroup whether {@code root} leads a process group of its own (it was started through setsid)
     */
    RunProcesses(ProcessHandle root, boolean ownGroup, RunId runId) {
        this.root = root;
        OptionalLong agentGroup = processGroup(ProcessHandle.current().pid());
        // Never the agent's own group: a run started without setsid shares it.
        this.group = root != null && ownGroup && agentGroup.orElse(-1) != root.pid()
                ? OptionalLong.of(root.pid()) : OptionalLong.empty();
        this.marker = (ProcessRun.MARKER_VARIABLE + "=" + runId.value()).getBytes(StandardCharsets.UTF_8);
    }

    /** The run's processes alive now, the agent itself never among them. */
    Set<ProcessHandle> find() {
        Set<ProcessHandle> found = new LinkedHashSet<>();
        if (root != null) {
            found.add(root);
            root.descendants().forEach(found::add);
        }
        long self = ProcessHandle.current().pid();
        ProcessHandle.allProcesses()
                .filter(p -> p.pid() != self && !found.contains(p))
                .filter(p -> inGroup(p.pid()) || carriesMarker(p.pid()))
                .forEach(found::add);
        found.removeIf(p -> p.pid() == self);
        return found;
    }

    private boolean inGroup(long pid) {
        return group.isPresent() && processGroup(pid).orElse(-1) == group.getAsLong();
    }

    private boolean carriesMarker(long pid) {
        byte[] environ;
        try {
            environ = Files.readAllBytes(PROC.resolve(Long.toString(pid)).resolve("environ"));
        } catch (IOException | SecurityException e) {
            // Gone, or another user's process this agent could not signal anyway.
            return false;
        }
        // Entries are NUL-terminated NAME=value strings; match a whole entry.
        int entryStart = 0;
        for (int i = 0; i <= environ.length; i++) {
            if (i == environ.length || environ[i] == 0) {
                if (i - entryStart == marker.length && regionEquals(environ, entryStart)) {
                    return true;
                }
                entryStart = i + 1;
            }
        }
        return false;
    }

    private boolean regionEquals(byte[] environ, int from) {
        for (int i = 0; i < marker.length; i++) {
            if (environ[from + i] != marker[i]) {
                return false;
            }
        }
        return true;
    }

    /** The process group id from {@code /proc/<pid>/stat}: the fifth field, the third after the command name. */
    static OptionalLong processGroup(long pid) {
        try {
            String stat = Files.readString(PROC.resolve(Long.toString(pid)).resolve("stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return OptionalLong.of(Long.parseLong(fields[2]));
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }
}
