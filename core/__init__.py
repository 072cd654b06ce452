"""What every app uses (DESIGN.md): the lowest layer, importing no app of the project."""
