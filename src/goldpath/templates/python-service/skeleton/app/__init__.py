"""The ${{ values.name }} service: a FastAPI application served by uvicorn."""
