package io.octofleet.server.ansible;

import io.octofleet.ansible.runner.Processes;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Ends ansible-runner and everything it started: its process tree (TERM, then KILL after a grace), and the processes
 * that left the tree but still name the call's private directories on their command line — OpenSSH's ControlPersist
 * masters detach from ansible's ssh and outlive the run otherwise.
 */
final class ProcessTree {
    private ProcessTree() {
    }

    /** Kills the process and its descendants; returns once they are gone or the grace ran out twice. */
    static void kill(ProcessHandle root, Duration grace) {
        // Take the tree before signalling: once a parent dies its children are re-parented and no longer found.
        Set<ProcessHandle> tree = new LinkedHashSet<>();
        tree.add(root);
        root.descendants().forEach(tree::add);
        end(tree, grace);
    }

    /** Kills every process (with its descendants) whose command line contains one of the paths. */
    static void killMentioning(List<Path> paths, Duration grace) {
        List<String> needles = paths.stream().map(Path::toString).toList();
        Set<ProcessHandle> found = ProcessHandle.allProcesses()
                .filter(p -> p.pid() != ProcessHandle.current().pid())
                .filter(p -> commandLine(p).map(c -> needles.stream().anyMatch(c::contains)).orElse(false))
                .collect(Collectors.toCollection(LinkedHashSet::new));
        Set<ProcessHandle> all = new LinkedHashSet<>(found);
        found.forEach(p -> p.descendants().forEach(all::add));
        end(all, grace);
    }

    private static void end(Set<ProcessHandle> processes, Duration grace) {
        if (processes.isEmpty()) {
            return;
        }
        processes.forEach(ProcessHandle::destroy);
        if (!Processes.awaitExit(processes, grace)) {
            processes.stream().filter(Processes::running).forEach(ProcessHandle::destroyForcibly);
            Processes.awaitExit(processes, grace);
        }
    }

    /** The command line as /proc shows it (a process may rewrite it, as ssh's mux master does), NULs as spaces. */
    static java.util.Optional<String> commandLine(ProcessHandle process) {
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(process.pid()), "cmdline"));
            return java.util.Optional.of(new String(raw, StandardCharsets.UTF_8).replace('\0', ' '));
        } catch (IOException | RuntimeException e) {
            return process.info().commandLine();
        }
    }
}
