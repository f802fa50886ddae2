"""What comes in from outside: safe archive unpacking, collecting a class's submissions, and
reading nbgrader notebooks."""
