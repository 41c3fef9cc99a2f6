# Stub for Flask-WTF 1.3 (no py.typed): the names portal/ uses. See typings/README.md.
from flask_wtf.form import FlaskForm as FlaskForm
