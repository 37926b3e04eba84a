"""Start Dask workers for lmapp as SLURM jobs (dask-jobqueue) and explore a project on them.

Run it on the login node, in the environment where lmapp is installed with
``pip install 'lmapp[cluster]' dask-jobqueue`` (the compute nodes need the same environment,
e.g. a shared conda env or module; they do not need the project file):

    python examples/slurm_cluster.py seed000.lmapp --jobs 4 --cores 24 --steps 20000

Each SLURM job runs ``--cores`` single-threaded worker processes (lmapp's walkers are one
task per walker per chunk; one thread per process keeps numba and BLAS from oversubscribing
a node). The script is the client: it stays the single writer of the project file, so run it
where that file lives (a login node or your desktop with a tunnel to the scheduler).
Partition, account, memory and walltime below are site-specific: change them.
"""

from __future__ import annotations

import argparse

from dask_jobqueue import SLURMCluster

from lmapp.api import Project


def main() -> None:
    a = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    a.add_argument("project")
    a.add_argument("--jobs", type=int, default=2, help="SLURM jobs (nodes) to start")
    a.add_argument("--cores", type=int, default=24, help="worker processes per job")
    a.add_argument("--steps", type=int, default=10_000, help="quenches per walker")
    a.add_argument("--queue", default="compute", help="SLURM partition")
    args = a.parse_args()
    cluster = SLURMCluster(
        queue=args.queue,
        cores=args.cores,
        processes=args.cores,
        memory=f"{2 * args.cores}GB",
        walltime="24:00:00",
        job_extra_directives=["--exclusive"],
        # one thread per worker process for numba and BLAS
        job_script_prologue=["export OMP_NUM_THREADS=1 NUMBA_NUM_THREADS=1"],
    )
    cluster.scale(jobs=args.jobs)
    print(cluster.job_script())
    print("scheduler", cluster.scheduler_address, "dashboard", cluster.dashboard_link)
    walkers = args.jobs * args.cores  # one walker per worker process keeps every core busy
    with Project.open(args.project) as project:
        summary = project.explore(
            cluster=cluster.scheduler_address,
            walkers=walkers,
            steps=args.steps,
            progress=lambda p: print(p.describe(), end="\r", flush=True),
        )
    print()
    print(f"{summary.status}: {summary.quenches} quenches, {summary.new_minima} new minima")
    cluster.close()


if __name__ == "__main__":
    main()
