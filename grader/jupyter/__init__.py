"""nbgrader and JupyterHub: export the lessons as nbgrader notebooks, grade nbgrader
submissions in the sandbox, and the check that exported test cells run in the kernel."""
